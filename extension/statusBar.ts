/** The status bar item: backend, state and the last val mIoU; a click opens the dashboard. */
import * as vscode from 'vscode';
import type { JobStatus } from '../server/protocol';
import { statusBarText } from './jobTracker';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(openDashboardCommand: string, initial: JobStatus) {
    this.item = vscode.window.createStatusBarItem('seglab.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'SegLab';
    this.item.command = openDashboardCommand;
    this.update(initial);
    this.item.show();
  }

  update(s: JobStatus): void {
    this.item.text = statusBarText(s);
    const lines = [`SegLab: ${s.phase}`];
    if (s.runDir) lines.push(`run: ${s.runDir}`);
    if (s.message) lines.push(s.message);
    lines.push('Click to open the dashboard');
    this.item.tooltip = lines.join('\n');
    this.item.backgroundColor =
      s.phase === 'failed' || s.phase === 'interrupted' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
