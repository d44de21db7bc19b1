import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/** A middleware with a successor; graph-client wires the chain through `setNext`. */
export abstract class Link implements Middleware {
  private successor: Middleware | undefined;

  abstract execute(context: Context): Promise<void>;

  setNext(next: Middleware): void {
    this.successor = next;
  }

  protected get next(): Middleware {
    if (!this.successor)
      throw new Error(`${this.constructor.name} is the last middleware but does not send requests`);
    return this.successor;
  }

  /** The response the rest of the chain left on the context (there always is one unless it threw). */
  protected static response(context: Context): Response {
    if (!context.response) throw new Error('middleware chain finished without a response');
    return context.response;
  }
}
