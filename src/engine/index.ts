/** The engine layer: the only code that talks to Docker. */
export type * from './engine.js';
export {
  connect,
  connectFromEnv,
  endpointLabel,
  isLoopbackHost,
  readTlsMaterial,
  resolveCliEndpoint,
  resolveEndpoint,
  type CliEndpointOptions,
  type ResolveOptions,
} from './connect.js';
export {
  DEFAULT_SOCKET,
  DEFAULT_URL,
  type DockerContext,
  type Endpoint,
  type EndpointProtocol,
  type SshAuth,
  type SshSettings,
  type TlsMaterial,
  type TlsPaths,
} from './endpoint.js';
export {
  EngineUnreachableError,
  engineStatus,
  isAbortError,
  isConflict,
  isNotFound,
  isNotModified,
  isPermanentFailure,
  mapEngineError,
  type ErrorContext,
} from './errors.js';
export {
  collectDemuxed,
  demux,
  demuxLines,
  Demuxer,
  frame,
  LineSplitter,
  splitLines,
  type DemuxChunk,
  type LineSplitterOptions,
  type StdStream,
} from './streams.js';
