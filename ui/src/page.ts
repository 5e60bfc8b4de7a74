/** The contract of a page: draw its frame once, then refresh its data on every poll. */

export interface PageContext {
  /** The query string of the page's URL (its stable address). */
  readonly params: URLSearchParams;
  navigate(url: string, push?: boolean): void;
  /** False once the user went to another page: late answers are dropped. */
  isCurrent(): boolean;
  setStatus(text: string): void;
}

export interface Page {
  readonly title: string;
  /** How often refresh runs while the tab is visible; 0: once. */
  readonly pollMs: number;
  mount(root: HTMLElement, ctx: PageContext): void;
  refresh(ctx: PageContext): Promise<void>;
}
