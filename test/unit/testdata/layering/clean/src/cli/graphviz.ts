import { execFile } from 'child_process';

export const dot = execFile;
