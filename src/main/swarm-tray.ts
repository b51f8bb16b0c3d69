// The tray icon: the swarm's state at a glance (agents running / paused, inference, the job holding the GPU) and its controls.
import { Menu, nativeImage, Tray } from 'electron';
import type { SwarmControl, SwarmStatus } from '../shared/swarm';

export interface TrayActions {
  show(): void;
  quit(): void;
}

/** One line per fact, as the tray menu and its tooltip show them. */
export function describeSwarm(status: SwarmStatus | null): { summary: string; running: number; paused: number } {
  if (!status) return { summary: 'Swarm off', running: 0, paused: 0 };
  const running = status.agents.filter((a) => a.state === 'running').length;
  const paused = status.agents.filter((a) => a.state === 'paused').length;
  const parts = [`${running} agent${running === 1 ? '' : 's'} running`];
  if (paused) parts.push(`${paused} paused`);
  if (status.paused_for_job) parts.push(`GPU lent to job ${status.paused_for_job}`);
  return { summary: parts.join(', '), running, paused };
}

export class SwarmTray {
  private readonly tray: Tray;
  private unfollow: () => void = () => {};
  private pending: ReturnType<typeof setTimeout> | null = null;

  constructor(
    iconPath: string,
    private readonly actions: TrayActions,
    private swarm: SwarmControl | null = null,
  ) {
    const image = nativeImage.createFromPath(iconPath);
    if (process.platform === 'darwin') image.setTemplateImage(true);
    this.tray = new Tray(image);
    this.tray.on('click', () => actions.show());
    this.follow(swarm);
  }

  /** Shows this swarm's state from now on (status changes come in bursts: the menu is rebuilt at most 4 times a second). */
  follow(swarm: SwarmControl | null): void {
    this.unfollow();
    this.swarm = swarm;
    this.unfollow = swarm ? swarm.onChange(() => this.schedule()) : () => {};
    this.render();
  }

  destroy(): void {
    this.unfollow();
    if (this.pending) clearTimeout(this.pending);
    this.tray.destroy();
  }

  private schedule(): void {
    this.pending ??= setTimeout(() => {
      this.pending = null;
      this.render();
    }, 250);
  }

  private render(): void {
    const status = this.swarm?.status() ?? null;
    const { summary, running, paused } = describeSwarm(status);
    const inference = status?.inference ? `Inference: ${status.inference.state} (${status.inference.backend})` : null;
    this.tray.setToolTip(`Collab Desk — ${summary}`);
    const act = (action: 'pause' | 'resume') => () =>
      void this.swarm?.act(null, action).catch((err: unknown) => console.error(`swarm ${action} failed:`, err));
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: summary, enabled: false },
        ...(inference ? [{ label: inference, enabled: false }] : []),
        { type: 'separator' },
        { label: 'Show Collab Desk', click: () => this.actions.show() },
        { label: 'Pause all agents', enabled: running > 0, click: act('pause') },
        { label: 'Resume all agents', enabled: paused > 0, click: act('resume') },
        { type: 'separator' },
        { label: 'Quit', click: () => this.actions.quit() },
      ]),
    );
  }
}
