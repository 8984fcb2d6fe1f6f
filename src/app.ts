/**
 * The composition root: builds the browser adapters and hands them to the UI as ports.
 * Today that is only the content engine's worker pool.
 *
 * Query parameters, for tests and measurement: `?workers=N` sets the pool size (default:
 * the number of logical cores), `?read=sync` makes workers read files with FileReaderSync.
 */
import { h, render } from 'preact';
import { WorkerPoolContentService } from './adapters/content/WorkerPoolContentService.ts';
import { App } from './ui/App.tsx';
import './ui/styles.css';

const params = new URLSearchParams(location.search);
const workers = Number.parseInt(params.get('workers') ?? '', 10);

const content = new WorkerPoolContentService({
  size: Number.isFinite(workers) && workers > 0 ? Math.min(workers, 32) : undefined,
  read: params.get('read') === 'sync' ? 'sync' : 'async',
});

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
render(h(App, { services: { content } }), root);
