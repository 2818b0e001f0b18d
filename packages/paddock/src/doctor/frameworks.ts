/**
 * What doctor knows about web servers, in one table both language readers and
 * the start-command reader share: where each listens when nothing says
 * otherwise, which environment variables and flags change that, and which
 * switches turn on a debugger or a reloader. Knowledge, not judgement: the
 * rules (rules.ts) decide what is wrong.
 */

export interface ServerSpec {
  /** For messages: how the author starts it (`flask run`, `uvicorn`, `app.listen`…). */
  name: string;
  defaultHost: string;
  defaultPort?: number;
  /** Environment variables the server itself reads for its host and port (first wins). */
  hostEnv?: string[];
  portEnv?: string[];
  /** A development server (Flask's, Django's): its debug mode is an interactive debugger. */
  devServer?: boolean;
}

/** Server ids → what they do by default. Readers name the id; rules read the defaults from here. */
const SERVERS = {
  // Python, started in code.
  flask: { name: 'app.run', defaultHost: '127.0.0.1', defaultPort: 5000, devServer: true },
  quart: { name: 'app.run', defaultHost: '127.0.0.1', defaultPort: 5000, devServer: true },
  sanic: { name: 'app.run', defaultHost: '127.0.0.1', defaultPort: 8000 },
  bottle: { name: 'run', defaultHost: '127.0.0.1', defaultPort: 8080, devServer: true },
  socketio: { name: 'socketio.run', defaultHost: '127.0.0.1', defaultPort: 5000, devServer: true },
  dash: { name: 'app.run_server', defaultHost: '127.0.0.1', defaultPort: 8050, devServer: true },
  gradio: { name: 'launch', defaultHost: '127.0.0.1', defaultPort: 7860, hostEnv: ['GRADIO_SERVER_NAME'], portEnv: ['GRADIO_SERVER_PORT'] },
  'uvicorn.run': { name: 'uvicorn.run', defaultHost: '127.0.0.1', defaultPort: 8000 },
  'hypercorn.run': { name: 'hypercorn.run', defaultHost: '127.0.0.1', defaultPort: 8000 },
  aiohttp: { name: 'web.run_app', defaultHost: '0.0.0.0', defaultPort: 8080 },
  waitress: { name: 'waitress.serve', defaultHost: '0.0.0.0', defaultPort: 8080 },
  'http.server': { name: 'HTTPServer', defaultHost: '0.0.0.0' },
  wsgiref: { name: 'make_server', defaultHost: '0.0.0.0' },
  // Python, started by a command.
  'flask run': { name: 'flask run', defaultHost: '127.0.0.1', defaultPort: 5000, hostEnv: ['FLASK_RUN_HOST'], portEnv: ['FLASK_RUN_PORT'], devServer: true },
  // gunicorn binds 0.0.0.0:$PORT when PORT is set (the chart sets it), else 127.0.0.1:8000.
  gunicorn: { name: 'gunicorn', defaultHost: '0.0.0.0', defaultPort: 8000, portEnv: ['PORT'] },
  uvicorn: { name: 'uvicorn', defaultHost: '127.0.0.1', defaultPort: 8000, hostEnv: ['UVICORN_HOST'], portEnv: ['UVICORN_PORT'] },
  hypercorn: { name: 'hypercorn', defaultHost: '127.0.0.1', defaultPort: 8000 },
  daphne: { name: 'daphne', defaultHost: '127.0.0.1', defaultPort: 8000 },
  'fastapi run': { name: 'fastapi run', defaultHost: '0.0.0.0', defaultPort: 8000 },
  'fastapi dev': { name: 'fastapi dev', defaultHost: '127.0.0.1', defaultPort: 8000 },
  'waitress-serve': { name: 'waitress-serve', defaultHost: '0.0.0.0', defaultPort: 8080 },
  streamlit: { name: 'streamlit run', defaultHost: '0.0.0.0', defaultPort: 8501, hostEnv: ['STREAMLIT_SERVER_ADDRESS'], portEnv: ['STREAMLIT_SERVER_PORT'] },
  django: { name: 'manage.py runserver', defaultHost: '127.0.0.1', defaultPort: 8000, devServer: true },
  // Node, started in code. Node's net.Server listens on every interface when no host is given.
  express: { name: 'app.listen', defaultHost: '0.0.0.0' },
  http: { name: 'server.listen', defaultHost: '0.0.0.0' },
  fastify: { name: 'fastify.listen', defaultHost: '127.0.0.1', defaultPort: 3000 },
  hono: { name: 'serve', defaultHost: '0.0.0.0', defaultPort: 3000 },
  bun: { name: 'Bun.serve', defaultHost: '0.0.0.0', defaultPort: 3000 },
  // Node, started by a command (next start honours PORT and listens on every interface).
  'next start': { name: 'next start', defaultHost: '0.0.0.0', defaultPort: 3000, portEnv: ['PORT'] },
  'next dev': { name: 'next dev', defaultHost: '0.0.0.0', defaultPort: 3000, portEnv: ['PORT'] },
} as const satisfies Record<string, ServerSpec>;

export type ServerId = keyof typeof SERVERS;

export function server(id: ServerId): ServerSpec {
  return SERVERS[id];
}

const NODE_SERVERS = new Set<ServerId>(['express', 'http', 'fastify', 'hono', 'bun', 'next start', 'next dev']);

/** The language whose code a server runs (its listens in code give way to it). */
export function serverLang(id: ServerId): 'python' | 'node' {
  return NODE_SERVERS.has(id) ? 'node' : 'python';
}

/** Python web-app constructors → the server their `.run()` starts. */
export const PY_APP_CONSTRUCTORS: Record<string, ServerId> = {
  'flask.Flask': 'flask',
  'quart.Quart': 'quart',
  'sanic.Sanic': 'sanic',
  'flask_socketio.SocketIO': 'socketio',
  'dash.Dash': 'dash',
  'bottle.Bottle': 'bottle',
  'fastapi.FastAPI': 'uvicorn.run',
  'starlette.applications.Starlette': 'uvicorn.run',
};

/** How a command-line server is told where to listen, and what makes it a development server. */
export interface CliSpec {
  server: ServerId;
  /** argv[1] must be this (`flask run`, `fastapi run`, `streamlit run`). */
  sub?: string;
  host?: string[];
  port?: string[];
  /** HOST:PORT in one flag. */
  bind?: string[];
  /** An environment variable holding more flags (GUNICORN_CMD_ARGS). */
  argsEnv?: string;
  /** A config file that may set the bind address: when given, host and port are unknown. */
  config?: string[];
  reload?: string[];
  debug?: string[];
}

/** Programs (after `python -m`, `exec`, `sh -c` are peeled off) that are servers themselves. */
export const CLI: Record<string, CliSpec[]> = {
  gunicorn: [{ server: 'gunicorn', bind: ['-b', '--bind'], argsEnv: 'GUNICORN_CMD_ARGS', config: ['-c', '--config'], reload: ['--reload'] }],
  uvicorn: [{ server: 'uvicorn', host: ['--host'], port: ['--port'], reload: ['--reload'] }],
  hypercorn: [{ server: 'hypercorn', bind: ['-b', '--bind'], config: ['-c', '--config'], reload: ['--reload'] }],
  daphne: [{ server: 'daphne', host: ['-b', '--bind'], port: ['-p', '--port'] }],
  flask: [{ server: 'flask run', sub: 'run', host: ['--host', '-h'], port: ['--port', '-p'], reload: ['--reload'], debug: ['--debug'] }],
  fastapi: [
    { server: 'fastapi run', sub: 'run', host: ['--host'], port: ['--port'], reload: ['--reload'] },
    { server: 'fastapi dev', sub: 'dev', host: ['--host'], port: ['--port'] },
  ],
  'waitress-serve': [{ server: 'waitress-serve', host: ['--host'], port: ['--port'], bind: ['--listen'] }],
  streamlit: [{ server: 'streamlit', sub: 'run', host: ['--server.address'], port: ['--server.port'] }],
  next: [
    { server: 'next start', sub: 'start', host: ['-H', '--hostname'], port: ['-p', '--port'] },
    { server: 'next dev', sub: 'dev', host: ['-H', '--hostname'], port: ['-p', '--port'] },
  ],
};

/** Routes a server answers by itself (Streamlit's health check). */
export const BUILT_IN_ROUTES: Partial<Record<ServerId, string[]>> = {
  streamlit: ['/_stcore/health', '/healthz'],
  gradio: ['/'],
};

/** Programs that run the app's own code: `python app.py`, `node server.js`. */
export const RUNTIMES: Record<string, 'python' | 'node'> = {
  python: 'python',
  python3: 'python',
  node: 'node',
  nodejs: 'node',
  bun: 'node',
  deno: 'node',
  'ts-node': 'node',
  tsx: 'node',
  nodemon: 'node',
  pm2: 'node',
  'pm2-runtime': 'node',
};

/** Development tools that watch the source and restart: fine on a laptop, not in the cluster. */
export const WATCHERS = new Set(['nodemon', 'ts-node-dev', 'node-dev']);

/** Package managers whose `start` / `run X` runs a package.json script. */
export const SCRIPT_RUNNERS = new Set(['npm', 'yarn', 'pnpm', 'bun']);

/** Environment switches that turn on a framework's debug mode, with what they do. */
export const DEBUG_ENV: Record<string, { on: RegExp; what: string; servers: ServerId[] }> = {
  FLASK_DEBUG: { on: /^(1|true|yes|on)$/i, what: "turns on Flask's debug mode", servers: ['flask', 'flask run', 'socketio'] },
  FLASK_ENV: {
    on: /^development$/,
    what: "turns on Flask's debug mode (Flask before 2.3; later versions ignore it)",
    servers: ['flask', 'flask run', 'socketio'],
  },
  NODE_ENV: { on: /^development$/, what: 'makes Express show stack traces to visitors', servers: [] },
};
