/**
 * `copied 120000/1000000 messages (12%)` on stderr. On a terminal one line is rewritten in place;
 * otherwise (a log, a pipe) a line is written each time another 5% is done, so a journal gets
 * about twenty lines however large the copy.
 */
export class CopyProgress {
  private done = 0;
  private lastStep = -1;

  constructor(
    private readonly total: number,
    private readonly output: { tty: boolean; write: (text: string) => void },
  ) {}

  advance(count: number): void {
    this.done += count;
    const percent = this.total === 0 ? 100 : Math.floor((this.done * 100) / this.total);
    const line = `copied ${this.done}/${this.total} messages (${percent}%)`;
    if (this.output.tty) {
      this.output.write(`\r${line}`);
      return;
    }
    const step = Math.floor(percent / 5);
    if (step === this.lastStep) return;
    this.lastStep = step;
    this.output.write(`${line}\n`);
  }

  /** Ends the in-place line, so what follows starts on a line of its own. */
  finish(): void {
    if (this.output.tty && this.done > 0) this.output.write("\n");
  }
}
