// The app's version, read from package.json at build time so every side reports the same one.
// package.json is data, not a layer: reading the version from it is the one import from outside src/shared.
// eslint-disable-next-line no-restricted-imports
import packageJson from '../../package.json' with { type: 'json' };

export const APP_VERSION: string = packageJson.version;
