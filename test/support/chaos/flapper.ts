// Makes a ScriptedPrimary flap: up for a while, then stopped (every open
// connection dropped) for a while, then started again on the same port.
import type { ScriptedPrimary } from '../smtp/scripted-primary.js';
import type { SeededRandom } from './seeded-random.js';

export interface FlapTiming {
  upMs: [number, number];
  downMs: [number, number];
}

export class Flapper {
  flaps = 0;
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly primary: ScriptedPrimary,
    private readonly random: SeededRandom,
    private readonly timing: FlapTiming = { upMs: [1_500, 4_000], downMs: [300, 1_200] },
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** Stops flapping and leaves the primary up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    if (!this.primary.running) await this.primary.restart();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.sleep(this.random.int(...this.timing.upMs));
      if (this.stopping) return;
      await this.primary.stop();
      this.flaps += 1;
      await this.sleep(this.random.int(...this.timing.downMs));
      await this.primary.restart();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
