// Ambient globals of the dashboard webview page (checked by `npx tsc -p media`).
import type UPlot from '../node_modules/uplot/dist/uPlot';
import type { FromDashboard } from '../server/protocol';

declare global {
  /** The handle VS Code gives a webview; `acquireVsCodeApi` may be called only once per page load. */
  interface VsCodeApi {
    postMessage(message: FromDashboard): void;
    getState(): unknown;
    setState<T>(state: T): T;
  }
  function acquireVsCodeApi(): VsCodeApi;
  /** uPlot 1.6.32, loaded as a classic script (media/vendor/uPlot.iife.min.js) before the page's modules. */
  const uPlot: typeof UPlot;
}
export {};
