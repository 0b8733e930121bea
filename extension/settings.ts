/**
 * The extension's settings (`contributes.configuration` in package.json), validated before anything reaches the
 * server: a bad value is reported with the setting's name and replaced by its default, never passed on.
 */
export const BACKEND_CHOICES = ['auto', 'node-gpu', 'webgpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface SeglabSettings {
  /** `seglab.backend`: the backend to force, or 'auto' for the ladder. */
  readonly backend: BackendChoice;
  /** `seglab.runsFolder`: folder of run folders for the dashboard and Resume; '' = seglab.json's output.runsDir. */
  readonly runsFolder: string;
  /** `seglab.autoOpenDashboard`: open the dashboard when a job starts. */
  readonly autoOpenDashboard: boolean;
}

export const DEFAULT_SETTINGS: SeglabSettings = Object.freeze({ backend: 'auto', runsFolder: '', autoOpenDashboard: true });

export interface SettingsResult {
  readonly settings: SeglabSettings;
  /** One message per rejected value, naming the setting, quoting the value and saying what is allowed. */
  readonly problems: readonly string[];
}

/** Validates raw values as read from `workspace.getConfiguration('seglab')` (any of them may be anything). */
export function validateSettings(raw: { backend?: unknown; runsFolder?: unknown; autoOpenDashboard?: unknown }): SettingsResult {
  const problems: string[] = [];
  let backend = DEFAULT_SETTINGS.backend;
  if (raw.backend !== undefined) {
    if ((BACKEND_CHOICES as readonly unknown[]).includes(raw.backend)) backend = raw.backend as BackendChoice;
    else problems.push(`seglab.backend ${JSON.stringify(raw.backend)} is not a backend; use one of ${BACKEND_CHOICES.join(', ')}. Using 'auto'.`);
  }
  let runsFolder = DEFAULT_SETTINGS.runsFolder;
  if (raw.runsFolder !== undefined) {
    if (typeof raw.runsFolder === 'string' && !raw.runsFolder.includes('\0')) runsFolder = raw.runsFolder.trim();
    else problems.push(`seglab.runsFolder ${JSON.stringify(raw.runsFolder)} must be a folder path (a string). Using seglab.json's output.runsDir.`);
  }
  let autoOpenDashboard = DEFAULT_SETTINGS.autoOpenDashboard;
  if (raw.autoOpenDashboard !== undefined) {
    if (typeof raw.autoOpenDashboard === 'boolean') autoOpenDashboard = raw.autoOpenDashboard;
    else problems.push(`seglab.autoOpenDashboard ${JSON.stringify(raw.autoOpenDashboard)} must be true or false. Using true.`);
  }
  return { settings: { backend, runsFolder, autoOpenDashboard }, problems };
}

/** The `backend` field of a trainer job: undefined lets the server walk the ladder. */
export function backendForJob(s: SeglabSettings): string | undefined {
  return s.backend === 'auto' ? undefined : s.backend;
}
