export default { test: { include: ['test/vitest/**/*.test.mjs'], testTimeout: 30000, hookTimeout: 30000 } };
