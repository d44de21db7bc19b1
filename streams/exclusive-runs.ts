import { from, Observable, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';

/**
 * Like exhaustMap, but a trigger that arrives while a run is in flight is not lost: it causes
 * exactly one more run once the current one ends, however many triggers came meanwhile. A
 * change notified mid-run may not be in the pages already fetched, so dropping the wake-up (as
 * exhaustMap does) would leave the index stale until the next poll.
 */
export function exclusiveRuns<T, R>(project: (trigger: T) => ObservableInput<R>): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let running = false;
      let pending: { trigger: T } | undefined;
      let sourceDone = false;
      let inner: Subscription | undefined;
      const start = (trigger: T) => {
        running = true;
        inner = from(project(trigger)).subscribe({
          next: (v) => subscriber.next(v),
          error: (e) => subscriber.error(e),
          complete: () => {
            running = false;
            inner = undefined;
            if (pending) {
              const next = pending;
              pending = undefined;
              start(next.trigger);
            } else if (sourceDone) subscriber.complete();
          },
        });
      };
      const outer = source.subscribe({
        next: (trigger) => {
          if (running) pending = { trigger };
          else start(trigger);
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          if (!running) subscriber.complete();
        },
      });
      return () => {
        outer.unsubscribe();
        inner?.unsubscribe();
      };
    });
}
