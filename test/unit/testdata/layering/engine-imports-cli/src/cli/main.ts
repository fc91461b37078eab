export const main = (): string => 'main';
