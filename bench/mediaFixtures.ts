// The benchmark media folders now live with the tests that use them too (core/datasets/mediaFolders.ts).
export * from '../core/datasets/mediaFolders';
