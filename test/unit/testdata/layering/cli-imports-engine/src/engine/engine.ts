export interface Engine {
  ping(): Promise<void>;
}
