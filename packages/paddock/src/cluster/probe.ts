import { firstLine, kubectl } from './kubectl.js';
import type { LiveApp, LivePod } from './live-apps.js';

/**
 * Connections and HTTP calls made from inside an app's own container — the
 * place a hostile tenant's code runs — with the interpreter its image has
 * (python3 for a Flask app, node for an Express one). Nothing is added to the
 * pod: a debug container would need an image the admission policies refuse.
 */

/** What a TCP connection attempt met: a policy drop shows as a timeout. */
export type Reach = 'open' | 'refused' | 'timeout' | 'unreachable' | 'dns' | 'error';

export interface Prober {
  reach(host: string, port: number): Promise<Reach>;
  http(method: string, url: string, body?: string): Promise<{ status: number; body: string }>;
}

const TIMEOUT_S = 3;

const PYTHON = `import json,socket,sys,urllib.request,urllib.error
a=sys.argv[1:]
def out(o): print(json.dumps(o)); sys.exit(0)
if a[0]=="tcp":
  try: socket.create_connection((a[1],int(a[2])),timeout=float(a[3])).close(); out({"reach":"open"})
  except socket.timeout: out({"reach":"timeout"})
  except ConnectionRefusedError: out({"reach":"refused"})
  except socket.gaierror: out({"reach":"dns"})
  except OSError as e: out({"reach":"unreachable" if e.errno in (101,113) else "error"})
req=urllib.request.Request(a[2],method=a[1],data=a[3].encode() if len(a)>3 else None,headers={"content-type":"application/json"})
try:
  with urllib.request.urlopen(req,timeout=10) as r: out({"status":r.status,"body":r.read().decode()[:4000]})
except urllib.error.HTTPError as e: out({"status":e.code,"body":e.read().decode()[:4000]})
except Exception as e: out({"status":0,"body":str(e)})`;

const NODE = `const a=process.argv.slice(1),out=o=>{console.log(JSON.stringify(o));process.exit(0)};
if(a[0]==='tcp'){const s=require('net').connect({host:a[1],port:+a[2]});s.setTimeout(+a[3]*1000);
s.on('connect',()=>{s.destroy();out({reach:'open'})});s.on('timeout',()=>{s.destroy();out({reach:'timeout'})});
s.on('error',e=>out({reach:e.code==='ECONNREFUSED'?'refused':/^(ENOTFOUND|EAI_AGAIN)$/.test(e.code)?'dns':/^(EHOSTUNREACH|ENETUNREACH)$/.test(e.code)?'unreachable':'error'}))}
else fetch(a[2],{method:a[1],body:a[3]||undefined,headers:{'content-type':'application/json'},signal:AbortSignal.timeout(10000)})
.then(async r=>out({status:r.status,body:(await r.text()).slice(0,4000)}),e=>out({status:0,body:String(e)}))`;

/** The probe in each language an app image may have: `<argv> tcp <host> <port> <timeout s>` or `<argv> http <method> <url> [body]`, one JSON line out. */
export const INTERPRETERS: [string, string[]][] = [
  ['python3', ['python3', '-c', PYTHON]],
  ['node', ['node', '-e', NODE]],
];

/** A prober in the app's container (`app`), or why there is none. */
export async function proberFor(app: LiveApp, pod: LivePod): Promise<Prober | string> {
  const inPod = (argv: string[]) => kubectl(['exec', '-n', app.namespace, pod.name, '-c', 'app', '--', ...argv]);
  for (const [name, argv] of INTERPRETERS) {
    const r = await inPod([...argv, 'tcp', '127.0.0.1', '1', '1']);
    if (r.code !== 0 || !r.stdout.includes('reach')) continue;
    const run = async <T>(args: string[]): Promise<T> => {
      const out = await inPod([...argv, ...args]);
      if (out.code !== 0) throw new Error(`${name} in ${pod.name}: ${firstLine(out.stderr)}`);
      return JSON.parse(out.stdout) as T;
    };
    return {
      reach: async (host, port) => (await run<{ reach: Reach }>(['tcp', host, String(port), String(TIMEOUT_S)])).reach,
      http: (method, url, body) => run(['http', method, url, ...(body === undefined ? [] : [body])]),
    };
  }
  return `the image of ${app.name} has neither python3 nor node to probe from`;
}
