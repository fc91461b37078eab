export const up = (): string => 'up';
