// A stateful emulator of the GitHub REST API the action uses: in-process (`emulator.fetch`) or over HTTP.
export {
  GitHubEmulator,
  CORS_HEADERS,
  type EmulatorOptions,
  type EmulatorRequest,
  type EmulatorResponse,
  type LoggedRequest,
} from './handler.js';
export type { FetchLike } from './http.js';
export {
  EmulatedRepository,
  type CommentView,
  type CommentHistory,
  type PullView,
  type JobFields,
  type StatusFields,
  type ReviewFields,
} from './repository.js';
export type { CheckRunFields, CiRuleFields, Push } from './ci.js';
export { GitHttp, type GitRequest, type GitPush } from './git-http.js';
export { startEmulator, type RunningEmulator, type StartOptions } from './server.js';
export {
  DEFAULT_CONFIG,
  DEFAULT_CONTENT_LIMIT,
  type EmulatorConfig,
  type ConfigPatch,
  type ContentLimit,
} from './config.js';
export type { Fault, FaultMatch } from './faults.js';
export type { EmulatorStats } from './stats.js';
export {
  DEFAULT_USERS,
  iso,
  startsWorkflows,
  type User,
  type Permission,
  type ActionsPermission,
  type JobStatus,
  type JobConclusion,
} from './state.js';
export { systemClock, realSleep, seededRandom, type Clock } from './clock.js';
export { threadOf } from './thread-view.js';
