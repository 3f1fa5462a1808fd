/**
 * The resident memory of this process, from Linux's /proc/self/status: now (VmRSS) and at its
 * peak (VmHWM). Writing 5 to /proc/self/clear_refs resets the peak, so a measurement can start
 * from the memory the process has at that moment. Elsewhere the peak is the process's lifetime
 * maximum (resourceUsage) and cannot be reset.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const MIB = 1024 * 1024;

function statusField(name: 'VmRSS' | 'VmHWM'): number | undefined {
	try {
		const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(
			readFileSync('/proc/self/status', 'utf8'),
		);
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

export function currentRssBytes(): number {
	return statusField('VmRSS') ?? process.memoryUsage.rss();
}

export function peakRssBytes(): number {
	return statusField('VmHWM') ?? process.resourceUsage().maxRSS * 1024;
}

/** Resets the peak to the current resident memory; false where that is not possible. */
export function resetPeakRss(): boolean {
	try {
		writeFileSync('/proc/self/clear_refs', '5');
		return true;
	} catch {
		return false;
	}
}

export function toMiB(bytes: number): number {
	return Math.round((bytes / MIB) * 10) / 10;
}
