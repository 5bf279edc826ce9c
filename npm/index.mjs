// ESM entry: `import { start } from 'fakedesk'`. The implementation is index.js.
import fakedesk from './index.js';

export const { start, Fakedesk, Server, FakedeskError, ExpectationFailed, findBinary, parseEnvFile } = fakedesk;
export default fakedesk;
