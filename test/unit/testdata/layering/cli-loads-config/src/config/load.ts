export const load = (): string => 'project';
