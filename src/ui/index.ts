export * from './events.js';
export * from './color.js';
export * from './format.js';
export * from './render.js';
export * from './table.js';
export * from './text.js';
export * from './screen.js';
