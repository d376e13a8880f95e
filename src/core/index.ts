// The public surface of the pure core. Modules import from 'src/core', not from its files.
export * from './errors';
export * from './money';
export * from './dates';
export * from './periods';
export * from './daycount';
export * from './interest';
export * from './split';
export * from './schedules';
export * from './capital-numerals';
export * from './identifiers';
