/** Following the logs of a project's containers (see follow.ts). */
export { LogCursor, type CursorOptions, type ResumePoint } from './cursor.js';
export { LogDecoder, type DecoderOptions, type LogLine, type LogStream } from './decode.js';
export { followLogs, LogFollower, type FollowOptions, type FollowResult } from './follow.js';
export { LogFormatter, type FormatOptions, type Source } from './format.js';
export { compareEngineTime, engineTime, parseDuration, parseEngineTime, parseRfc3339, parseTimeArg } from './time.js';
export { toWatchEvent, watchProject, type Watch, type WatchEvent, type WatchedContainer } from './watch.js';
