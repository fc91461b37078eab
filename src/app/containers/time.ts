/** Times as the user gives them to logs and events (`--since`/`--until`): RFC 3339, Unix seconds, or a duration back from now. */
export { parseTimeArg } from '../../logs/time.js';
