/** The engine layer: the only code that talks to Docker. */
export type * from './engine.js';
export {
  connect,
  connectFromEnv,
  DEFAULT_SOCKET,
  DEFAULT_URL,
  endpointLabel,
  isLoopbackHost,
  readTlsMaterial,
  resolveCliEndpoint,
  resolveEndpoint,
  type CliEndpointOptions,
  type Endpoint,
  type EndpointProtocol,
  type ResolveOptions,
  type TlsMaterial,
  type TlsPaths,
} from './connect.js';
export { EngineUnreachableError, isAbortError, mapEngineError, type ErrorContext } from './errors.js';
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
