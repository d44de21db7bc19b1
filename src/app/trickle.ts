import type { Drive } from '../emulator/model/drive.js';

/**
 * A colleague at work on the demo library: every few seconds a note appears, changes, is
 * renamed or goes away, so a user of the mount sees remote changes arrive by themselves.
 */
export function startTrickle(drive: Drive, everyMs = 3000): { stop(): void; folderName: string } {
  const folderName = 'Live edits';
  const by = 'Megan Bowen (remote)';
  const folder =
    drive.childOf(drive.root, folderName) ?? drive.createFolder(drive.root.id, folderName, { by });
  const notes: string[] = [];
  let n = 0;
  const tick = () => {
    n++;
    const stamp = new Date().toISOString().slice(11, 19).replace(/:/g, '.');
    try {
      if (n % 5 === 0 && notes.length > 3) {
        drive.remove(notes.shift()!, { by });
      } else if (n % 4 === 0 && notes.length > 0) {
        const id = notes[notes.length - 1]!;
        drive.update(id, { name: `Renamed ${stamp}.txt` }, { by, conflict: 'rename' });
      } else if (n % 2 === 0 && notes.length > 0) {
        const id = notes[0]!;
        const item = drive.get(id);
        const old = item.content?.kind === 'stored' ? item.content.data : Buffer.alloc(0);
        const data = Buffer.concat([old, Buffer.from(`edited at ${stamp}\n`)]);
        drive.setContent(id, { kind: 'stored', data }, data.length, { by });
      } else {
        const data = Buffer.from(`A note written remotely at ${stamp}.\n`);
        const { item } = drive.putFile(
          folder.id,
          `Note ${stamp}.txt`,
          { kind: 'stored', data },
          data.length,
          { by, conflict: 'rename' },
        );
        notes.push(item.id);
      }
    } catch {
      // An item the demo user deleted or moved meanwhile: the next tick does something else.
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), folderName };
}
