// Pages of a listing (`per_page` default 30, max 100; `page` from 1) and GitHub's Link header for them.
import type { RouteContext } from './context.js';

/** GitHub's Link header for page `page` of `last`: prev, next, last, first — in that order, as GitHub sends. */
export function linkHeader(ctx: RouteContext, page: number, last: number): string | undefined {
  if (last <= 1 && page <= 1) return undefined;
  const at = (p: number): string => {
    const u = new URL(ctx.url.pathname + ctx.url.search, ctx.origin);
    u.searchParams.set('page', String(p));
    return `<${u.href}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${at(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (page > 1) links.push(`${at(1)}; rel="first"`);
  return links.join(', ');
}

export function paginate<T>(
  ctx: RouteContext,
  items: readonly T[],
): { page: T[]; headers: Record<string, string> } {
  const perPageParam = Number(ctx.url.searchParams.get('per_page') ?? 30);
  const perPage = Math.min(100, Math.max(1, Math.floor(perPageParam) || 30));
  const page = Math.max(1, Math.floor(Number(ctx.url.searchParams.get('page') ?? 1)) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = linkHeader(ctx, page, last);
  return { page: items.slice((page - 1) * perPage, page * perPage), headers: link ? { link } : {} };
}
