// Placeholder until the engine lands: checks its settings and does nothing else.
import { loadSettings } from '../config/settings.js';

export const handler = async (): Promise<{ ok: boolean }> => {
  loadSettings();
  return { ok: true };
};
