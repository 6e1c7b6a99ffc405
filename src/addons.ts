/**
 * Whether this process may load native addons (`node --no-addons`, on the command line or in
 * NODE_OPTIONS, forbids them): every optional native piece asks here before it tries to load.
 */

export function addonsDisabled(): boolean {
  const nodeOptions = process.env.NODE_OPTIONS ?? '';
  return process.execArgv.includes('--no-addons') || /(^|\s)--no-addons(\s|$)/.test(nodeOptions);
}
