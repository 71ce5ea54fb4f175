// @actions/http-client imports undici only for getAgentDispatcher(), a proxy-aware dispatcher
// for fetch that Ephemera never asks for. Bundling the real undici (900 KB) would add tens of
// milliseconds to every step's start, so the bundles get this stand-in instead.
class ProxyAgent {
  constructor() {
    throw new Error('undici is not bundled with Ephemera; getAgentDispatcher() is not supported')
  }
}
module.exports = { ProxyAgent }
