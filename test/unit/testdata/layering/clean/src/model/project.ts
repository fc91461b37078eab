export interface Project {
  name: string;
}
