import fs from 'fs'; import yaml from 'js-yaml';
const doc = yaml.load(fs.readFileSync('/work/shared/spec/vsan-data-protection-openapi.yaml','utf8'));
const S = doc.components.schemas;
const seen = new Set();
function strip(o){ if (Array.isArray(o)) return o.map(strip); if (o && typeof o==='object'){ const r={}; for (const [k,v] of Object.entries(o)){ if(k==='description'){ if(typeof v==='string'){ const m=v.match(/(added in[^_]*__vSphere API [0-9.]+__)|(If missing[^\n]*)|(Possible values[\s\S]*?\n\n)/g); if(m) r.d=m.join(' | ');} continue;} r[k]=strip(v);} return r;} return o;}
function walk(name){ if(seen.has(name)||!S[name]) return; seen.add(name); console.log('### '+name); console.log(JSON.stringify(strip(S[name]))); JSON.stringify(S[name]).replace(/#\/components\/schemas\/([\w.$]+)/g,(_,n)=>{walk(n);return ''}); }
for (const n of process.argv.slice(2)) walk(n);
