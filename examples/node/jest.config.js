module.exports = { testMatch: ['<rootDir>/test/jest/**/*.test.js'], testEnvironment: 'node', testTimeout: 30000 };
