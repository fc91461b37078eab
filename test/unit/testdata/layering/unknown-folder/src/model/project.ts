export const project = 'p';
