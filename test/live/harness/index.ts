/** Live-router test harness: real FRR bgpd and gobgpd on loopback, started and stopped by PID. */
export * from './available.js';
export * from './procs.js';
export * from './ports.js';
export * from './frr.js';
export * from './gobgp.js';
export * from './fabric.js';
export * from './bmp-capture.js';
export * from './bmp-view.js';
export * from './collector.js';
export * from './kube.js';
export * from './bird.js';
export * from './exabgp.js';
