import { describe, expect, it } from 'vitest';
import { qemuArgs, Semaphore } from './qemu.js';

describe('qemuArgs', () => {
  it('builds a headless, no-reboot command line for the chosen accelerator', () => {
    const args = qemuArgs({ kernel: '/k/bzImage', initrd: '/t/initrd', accel: 'tcg', cpus: 2, memoryMiB: 1024 });
    expect(args).toEqual(expect.arrayContaining(['-nodefaults', '-no-reboot', '-serial', 'stdio', '-kernel', '/k/bzImage', '-initrd', '/t/initrd', '-m', '1024M', '-smp', '2']));
    expect(args[args.indexOf('-cpu') + 1]).toBe('max');
    expect(args[args.indexOf('-append') + 1]).toContain('panic=-1');
    const kvm = qemuArgs({ kernel: 'k', accel: 'kvm', cpus: 1, memoryMiB: 128 });
    expect(kvm[kvm.indexOf('-cpu') + 1]).toBe('host');
    expect(kvm).not.toContain('-initrd');
  });
});

describe('Semaphore', () => {
  it('never lets more than the limit run at once', async () => {
    const sem = new Semaphore();
    let running = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      const release = await sem.acquire(2);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      release();
    }));
    expect(peak).toBe(2);
  });

  it('gives up waiting when the caller aborts', async () => {
    const sem = new Semaphore();
    const release = await sem.acquire(1);
    const controller = new AbortController();
    const waiting = sem.acquire(1, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    release();
    const again = await sem.acquire(1);
    again();
  });

  it('hands a freed slot to a live waiter, not to one that aborted', async () => {
    const sem = new Semaphore();
    const release = await sem.acquire(1);
    const controller = new AbortController();
    const aborted = sem.acquire(1, controller.signal);
    let got = false;
    const live = sem.acquire(1).then((r) => { got = true; return r; });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'cancelled' });
    release();
    (await live)();
    expect(got).toBe(true);
  });
});
