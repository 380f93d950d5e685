// Prompt hygiene: what reaches the agent from issue text is what a person sees on GitHub, nothing hidden.
// HTML comments (which also hold this action's own payloads), invisible and bidirectional-control characters,
// and markup that hides text are removed.

// The class lists combining characters on purpose: they are what gets removed.
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB\u{E0000}-\u{E007F}]/gu;

export function sanitizeText(text: string): string {
  return (
    text
      .replace(/<!--[\s\S]*?(-->|$)/g, '')
      .replace(INVISIBLE, '')
      // Elements hidden from the reader.
      .replace(
        /<([a-z][a-z0-9]*)\b[^>]*\b(hidden|aria-hidden\s*=\s*["']?true|style\s*=\s*["'][^"']*(display\s*:\s*none|visibility\s*:\s*hidden)[^"']*["'])[^>]*>[\s\S]*?<\/\1\s*>/gi,
        '',
      )
      // Attributes that carry text the reader does not see.
      .replace(/\s(alt|title|aria-label|data-[a-z-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '')
      .replace(/\r\n?/g, '\n')
      .trim()
  );
}
