"""The interactive journey map: pan, zoom, hover, Disco-style sliders, frequency or time.

The map is an HTML fragment: the data (node places, edge routes and label
places from :mod:`journeymine.plot.layout`, one layout per step of the
activities slider), a small hand-written script that draws it as SVG, and
the static picture of :func:`journeymine.plot.plot_graph`, which stays on
show when scripts are off. Everything is inline: the file makes no network
request. The HTML report embeds the fragment; :func:`write_graph_map`
(``JourneyGraph.to_html``) writes it as a page of its own.

This module never imports :mod:`journeymine.graph` (whose ``to_html``
method imports it).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import journeymine.plot.layout as _layout
from journeymine.errors import ParameterError
from journeymine.plot._base import (
    _BACKWARD,
    _FORWARD,
    _WITHIN,
    _fmt_count,
    _wrap,
    fmt_duration,
)
from journeymine.plot.graph import _start_order, graph_stages, is_graph, resolve_engine

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.graph import JourneyGraph
    from journeymine.model import JourneyModel

__all__ = ["graph_map_html", "write_graph_map"]

PT = 96.0  # SVG user units per layout inch: one unit is one CSS pixel at zoom 1
_BLUES = ["#eef4fb", "#dce9f6", "#c9ddf0", "#b4d1ea", "#9fc4e3", "#89b5db"]


def _svg_path(vertices: Sequence[tuple[float, float]], codes: Sequence[int]) -> str:
    out = []
    k = 0
    while k < len(codes):
        x, y = vertices[k]
        if codes[k] == _layout.MOVETO:
            out.append(f"M{x * PT:.1f} {-y * PT:.1f}")
            k += 1
        elif codes[k] == _layout.LINETO:
            out.append(f"L{x * PT:.1f} {-y * PT:.1f}")
            k += 1
        else:
            pts = vertices[k : k + 3]
            out.append("C" + " ".join(f"{px * PT:.1f} {-py * PT:.1f}" for px, py in pts))
            k += 3
    return "".join(out)


def _seconds(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(pd.Timedelta(value).total_seconds())


def _level(
    graph: JourneyGraph,
    model: JourneyModel | None,
    stages: Sequence[Any] | None,
    weight: str,
    engine: str,
) -> dict[str, Any]:
    """One layout of the map: nodes, edges, headers, extent (SVG units)."""
    names = graph.nodes["node"].tolist()
    node_w = graph.nodes[weight].astype(float).tolist()
    edges = graph.edges
    edge_list = list(
        zip(edges["source"], edges["target"], edges[weight].astype(float), strict=True)
    )
    staged = graph_stages(graph, stages, model)
    column = None
    headers: list[str] = []
    unknown: set[Any] = set()
    if staged is not None:
        mapping, order, unknown = staged
        col_of = {s: i for i, s in enumerate(order)}
        column = {n: col_of[mapping[n]] for n in names}
        headers = [_wrap(s, 22, 1) for s in order] if graph.by != "stage" else []
    medians = edges["median_duration"].tolist()
    texts = {}
    for i, (_, _, w) in enumerate(edge_list):
        a, b = _fmt_count(w), fmt_duration(medians[i])
        texts[i] = a if len(a) >= len(b) else b
    lay = _layout.layout_graph(
        names,
        node_w,
        edge_list,
        column=column,
        headers=headers,
        first=_start_order(graph),
        label_texts=texts,
        engine=resolve_engine(engine, "to_html", staged=column is not None),
    )
    top = max(node_w, default=1.0) or 1.0
    index = {n: i for i, n in enumerate(names)}
    nodes_out = []
    for n, r in zip(names, graph.nodes.itertuples(index=False), strict=True):
        x, y = lay.pos[n]
        share = float(getattr(r, weight)) / top
        nodes_out.append(
            {
                "name": str(n),
                "lines": _wrap(n, 20, 2).split("\n"),
                "x": round(x * PT, 1),
                "y": round(-y * PT, 1),
                "events": int(r.events),
                "cases": int(r.cases),
                "start": int(r.start),
                "end": int(r.end),
                "fill": "#ffffff"
                if n in unknown
                else _BLUES[min(len(_BLUES) - 1, int(share * len(_BLUES)))],
                "unknown": n in unknown,
            }
        )
    edges_out = []
    for i, (rt, r) in enumerate(zip(lay.routes, edges.itertuples(index=False), strict=True)):
        lab = lay.labels.get(i)
        edges_out.append(
            {
                "s": index[rt.source],
                "t": index[rt.target],
                "kind": rt.kind,
                "d": _svg_path(rt.vertices, rt.codes),
                "events": int(r.events),
                "cases": int(r.cases),
                "median": _seconds(r.median_duration),
                "mean": _seconds(getattr(r, "mean_duration", None)),
                "p90": _seconds(getattr(r, "p90_duration", None)),
                "median_text": fmt_duration(r.median_duration),
                "mean_text": fmt_duration(getattr(r, "mean_duration", None)),
                "p90_text": fmt_duration(getattr(r, "p90_duration", None)),
                "label": None if lab is None else [round(lab[0] * PT, 1), round(-lab[1] * PT, 1)],
            }
        )
    x0, x1, y0, y1 = lay.extent
    return {
        "nodes": nodes_out,
        "edges": edges_out,
        "headers": [
            {"x": round(hx * PT, 1), "y": round(-hy * PT, 1), "text": t}
            for hx, hy, t in lay.headers
        ],
        "box": [lay.box[0] * PT, lay.box[1] * PT],
        "view": [x0 * PT, -y1 * PT, (x1 - x0) * PT, (y1 - y0) * PT],
    }


def map_data(
    graph: JourneyGraph,
    *,
    model: JourneyModel | None = None,
    stages: Sequence[Any] | None = None,
    weight: str = "cases",
    max_nodes: int = 60,
    max_edges: int = 240,
    engine: str = "auto",
) -> dict[str, Any]:
    """The data of the map: one layout per step of the activities slider."""
    resolve_engine(engine, "to_html")  # raises early if dot is asked for and missing
    total_nodes = len(graph.nodes)
    base = graph
    if total_nodes > max_nodes:
        base = graph.prune(activities=(max_nodes - 0.5) / total_nodes)
    n = len(base.nodes)
    steps = {n}
    if n > 2:
        steps |= {max(2, math.ceil(n * f)) for f in (0.8, 0.6, 0.4, 0.25, 0.12)}
    counts = sorted(steps, reverse=True)
    levels = []
    for k in counts:
        g = base if k == n else base.prune(activities=(k - 0.5) / n)
        if len(g.edges) > max_edges:  # the paths slider works within the most frequent moves
            g = g.prune(paths=max_edges / len(g.edges))
        lv = _level(g, model, stages, weight, engine)
        lv["kept_events"] = int(g.nodes["events"].sum())
        levels.append(lv)
    return {
        "by": str(graph.by),
        "weight": weight,
        "total_nodes": total_nodes,
        "total_events": int(getattr(graph, "n_events", 0) or 0),
        "total_edges": len(graph.edges),
        "levels": levels,
        "colours": {"forward": _FORWARD, "backward": _BACKWARD, "within": _WITHIN, "self": _WITHIN},
    }


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_CSS = """
.jm-map{position:relative;margin:10px 0}
.jm-map .jm-ui[hidden]{display:none}
.jm-map .jm-bar{display:flex;flex-wrap:wrap;gap:8px 18px;align-items:center;font-size:13px;
color:#334e68;margin:0 0 6px}
.jm-map .jm-bar label{display:flex;align-items:center;gap:6px}
.jm-map .jm-bar input[type=range]{width:150px}
.jm-map .jm-bar button{font:inherit;padding:1px 9px;border:1px solid #bcccdc;border-radius:5px;
background:#fff;cursor:pointer}
.jm-map .jm-info{font-size:12px;color:#616e7c}
.jm-map svg.jm-svg{display:block;width:100%;border:1px solid #e4e7eb;
border-radius:8px;background:#fff;cursor:grab;touch-action:none}
.jm-map svg.jm-svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.jm-map .jm-tip{position:absolute;pointer-events:none;background:#1f2933;color:#fff;font-size:12px;
padding:5px 8px;border-radius:5px;white-space:pre;display:none;z-index:5}
.jm-map .jm-edge:hover path,.jm-map .jm-node:hover rect{filter:brightness(.85)}
.jm-map .jm-stage{position:relative}
.jm-map .jm-cue{position:absolute;z-index:4;font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,
sans-serif;background:#243b53;color:#fff;border:0;border-radius:12px;padding:3px 10px;opacity:.88;
cursor:pointer}
.jm-map .jm-cue[hidden]{display:none}
.jm-map .jm-cue-right{right:8px;top:8px}
.jm-map .jm-cue-left{left:8px;top:8px}
.jm-map .jm-cue-up{left:50%;top:8px;transform:translateX(-50%)}
.jm-map .jm-cue-down{left:50%;bottom:8px;transform:translateX(-50%)}
"""

# Hand-written, no library: draws the layouts of the JSON data as SVG and wires the controls.
_JS = r"""
(function(){
"use strict";
var NS="http://www.w3.org/2000/svg";
function el(name,attrs,parent){var e=document.createElementNS(NS,name);
 for(var k in attrs){e.setAttribute(k,attrs[k]);} if(parent){parent.appendChild(e);} return e;}
function fmt(n){return n.toLocaleString("en-US");}
function init(root){
 if(root.getAttribute("data-ready")){return;}
 root.setAttribute("data-ready","1");
 var data=JSON.parse(root.querySelector("script.jm-map-data").textContent);
 var stat=root.querySelector(".jm-static"); if(stat){stat.style.display="none";}
 var ui=root.querySelector(".jm-ui"); ui.hidden=false;
 var svg=ui.querySelector("svg.jm-svg"), tip=ui.querySelector(".jm-tip");
 var act=ui.querySelector("input.jm-activities"), pth=ui.querySelector("input.jm-paths");
 var info=ui.querySelector(".jm-info"), modes=ui.querySelectorAll("input.jm-mode");
 act.max=String(data.levels.length-1);
 var defs=el("defs",{},svg), marks={};
 Object.keys(data.colours).forEach(function(k){
  var m=el("marker",{id:root.id+"-arrow-"+k,viewBox:"0 0 10 10",refX:"9",refY:"5",
   markerWidth:"7",markerHeight:"7",markerUnits:"userSpaceOnUse",orient:"auto"},defs);
  el("path",{d:"M0 0L10 5L0 10z",fill:data.colours[k]},m); marks[k]="url(#"+m.id+")";});
 var view=el("g",{"class":"jm-view"},svg);
 var state={level:0,paths:Number(pth.value)/100,mode:"frequency",vb:null,edges:[],lv:null};
 function setView(vb){state.vb=vb; svg.setAttribute("viewBox",vb.join(" ")); cues();}
 // the smallest zoom at which box text (10.7 units) still reads at 9.2 px
 var KMIN=9.2/10.7, PAD=12;
 function countOf(n){return data.weight==="events"?n.events:n.cases;}
 // the view at zoom k (px per unit) holding the most counts of whole boxes, or all of them
 function bestView(k){var r=svg.getBoundingClientRect(), v=state.lv.view;
  var w=r.width/k, h=r.height/k, bw=state.lv.box[0], bh=state.lv.box[1], ns=state.lv.nodes;
  var x0=v[0]-PAD, y0=v[1]-PAD, x1=v[0]+v[2]+PAD, y1=v[1]+v[3]+PAD;
  if(w>=x1-x0&&h>=y1-y0){return [x0-(w-(x1-x0))/2,y0-(h-(y1-y0))/2,w,h];}
  function clampX(x){return Math.max(x0,Math.min(x,x1-w));}
  function clampY(y){return Math.max(y0,Math.min(y,y1-h));}
  var xs=[clampX(x0)], ys=[clampY(y0)];
  ns.forEach(function(n){xs.push(clampX(n.x-bw/2-PAD)); ys.push(clampY(n.y-bh/2-PAD-20));});
  if(w>=x1-x0){xs=[x0-(w-(x1-x0))/2];} if(h>=y1-y0){ys=[y0-(h-(y1-y0))/2];}
  var best=[-1,xs[0],ys[0]];
  xs.forEach(function(x){ys.forEach(function(y){var c=0;
   ns.forEach(function(n){if(n.x-bw/2>=x&&n.x+bw/2<=x+w&&n.y-bh/2>=y&&n.y+bh/2<=y+h){c+=countOf(n);}});
   if(c>best[0]){best=[c,x,y];}});});
  return [best[1],best[2],w,h];}
 // "fit": the whole map, but never so small that box text reads under 9 px (the cues show the rest)
 function fit(){var r=svg.getBoundingClientRect(), v=state.lv.view;
  var k=Math.min(r.width/(v[2]+2*PAD), r.height/(v[3]+2*PAD));
  setView(bestView(Math.max(k,KMIN)));}
 // open at full size (text as in the picture) where that shows the busiest boxes, else fit
 function home(){var r=svg.getBoundingClientRect(), v=state.lv.view;
  var k=Math.min(r.width/(v[2]+2*PAD), r.height/(v[3]+2*PAD));
  setView(bestView(Math.min(1,Math.max(k,KMIN))));}
 // cues on the edges: how many boxes (and counts) lie beyond each side of the view
 function cues(){var vb=state.vb, lv=state.lv; if(!vb||!lv){return;}
  var bw=lv.box[0], bh=lv.box[1], side={left:[0,0],right:[0,0],up:[0,0],down:[0,0]};
  lv.nodes.forEach(function(n){var c=countOf(n);
   if(n.x+bw/2<vb[0]){side.left[0]++;side.left[1]+=c;}
   else if(n.x-bw/2>vb[0]+vb[2]){side.right[0]++;side.right[1]+=c;}
   else if(n.y+bh/2<vb[1]){side.up[0]++;side.up[1]+=c;}
   else if(n.y-bh/2>vb[1]+vb[3]){side.down[0]++;side.down[1]+=c;}});
  var any=false;
  Object.keys(side).forEach(function(k){var b=cueEls[k], s=side[k];
   if(s[0]>0){any=true; b.hidden=false; b.textContent={left:"\u25c0 ",up:"\u25b2 ",right:"",down:""}[k]+
    fmt(s[0])+" more box"+(s[0]>1?"es":"")+" ("+fmt(s[1])+" "+data.weight+")"+
    {left:"",up:"",right:" \u25b6",down:" \u25bc"}[k];}
   else{b.hidden=true;}});
  root.setAttribute("data-cue",any?"1":"0");}
 var cueEls={};
 ["left","right","up","down"].forEach(function(k){var b=document.createElement("button");
  b.type="button"; b.className="jm-cue jm-cue-"+k; b.hidden=true; b.title="show what lies this way";
  b.addEventListener("click",function(){var v=state.vb, f=0.6;
   var d={left:[-f*v[2],0],right:[f*v[2],0],up:[0,-f*v[3]],down:[0,f*v[3]]}[k];
   setView([v[0]+d[0],v[1]+d[1],v[2],v[3]]);});
  svg.parentNode.insertBefore(b,svg.nextSibling); cueEls[k]=b;});
 function weightOf(e){return state.mode==="time"?(e.median||0):(data.weight==="events"?e.events:e.cases);}
 function labelOf(e){return state.mode==="time"?e.median_text:fmt(data.weight==="events"?e.events:e.cases);}
 function tipText(e,lv){var s=lv.nodes[e.s].name+" \u2192 "+lv.nodes[e.t].name;
  s+="\n"+fmt(e.cases)+" cases, "+fmt(e.events)+" times";
  if(e.median_text){s+="\nmedian "+e.median_text+", mean "+e.mean_text+", 90% within "+e.p90_text;}
  return s;}
 function showTip(ev,text){var r=root.getBoundingClientRect(); tip.textContent=text;
  tip.style.display="block"; tip.style.left=(ev.clientX-r.left+14)+"px";
  tip.style.top=(ev.clientY-r.top+14)+"px";}
 function hideTip(){tip.style.display="none";}
 function draw(){
  var lv=data.levels[state.level]; state.lv=lv;
  while(view.firstChild){view.removeChild(view.firstChild);}
  var bw=lv.box[0], bh=lv.box[1];
  lv.headers.forEach(function(h){var t=el("text",{x:h.x,y:h.y,"text-anchor":"middle",
   "dominant-baseline":"middle","font-size":"12.3","font-weight":"bold",fill:"#1f2933"},view);
   t.textContent=h.text;});
  var eg=el("g",{},view), lg=el("g",{},view), ng=el("g",{},view);
  state.edges=lv.edges.map(function(e){
   var g=el("g",{"class":"jm-edge"},eg);
   var p=el("path",{d:e.d,fill:"none",stroke:data.colours[e.kind],"stroke-opacity":"0.85",
    "marker-end":marks[e.kind]},g);
   if(e.kind==="backward"){p.setAttribute("stroke-dasharray","5 3");}
   var hit=el("path",{d:e.d,fill:"none",stroke:"transparent","stroke-width":"9"},g);
   g.addEventListener("mousemove",function(ev){showTip(ev,tipText(e,lv));});
   g.addEventListener("mouseleave",hideTip);
   var lab=null;
   if(e.label){lab=el("g",{"class":"jm-label"},lg);
    var bg=el("rect",{fill:"#fff","fill-opacity":"0.85",rx:"2"},lab);
    var t=el("text",{x:e.label[0],y:e.label[1],"text-anchor":"middle","dominant-baseline":"central",
     "font-size":"10.7",fill:e.kind==="backward"?data.colours.backward:"#1f2933"},lab);
    lab._bg=bg; lab._t=t;}
   return {e:e,g:g,p:p,lab:lab};});
  lv.nodes.forEach(function(n){
   var g=el("g",{"class":"jm-node"},ng);
   var r=el("rect",{x:n.x-bw/2+4,y:n.y-bh/2+4,width:bw-8,height:bh-8,rx:"8",fill:n.fill,
    stroke:"#486581","stroke-width":"0.9"},g);
   if(n.unknown){r.setAttribute("stroke-dasharray","4 3");}
   var lines=n.lines.concat([fmt(data.weight==="events"?n.events:n.cases)]);
   var y0=n.y-(lines.length-1)*6.5;
   lines.forEach(function(s,i){var t=el("text",{x:n.x,y:y0+i*13,"text-anchor":"middle",
    "dominant-baseline":"central","font-size":"10.7",fill:"#1f2933"},g); t.textContent=s;});
   if(n.start>0){el("path",{d:"M"+(n.x-bw/2-8)+" "+(n.y-bh/2+4)+"l7 4l-7 4z",fill:"#2f855a"},g);}
   if(n.end>0){el("rect",{x:n.x+bw/2+1,y:n.y-bh/2+4,width:"7",height:"7",fill:"#c53030"},g);}
   g.addEventListener("mousemove",function(ev){showTip(ev,n.name+"\n"+fmt(n.cases)+" cases, "+
    fmt(n.events)+" events\n"+fmt(n.start)+" start here, "+fmt(n.end)+" end here"+
    (n.unknown?"\nnot in the design":""));});
   g.addEventListener("mouseleave",hideTip);});
  home(); prune();
 }
 function prune(){
  var lv=state.lv, m=state.edges.length, keep=new Array(m).fill(false);
  var order=state.edges.map(function(_,i){return i;}).sort(function(a,b){
   return (data.weight==="events"?lv.edges[b].events-lv.edges[a].events:lv.edges[b].cases-lv.edges[a].cases)||a-b;});
  var k=Math.ceil(state.paths*m);
  for(var i=0;i<k;i++){keep[order[i]]=true;}
  // stay connected: a node keeps its heaviest way in (unless cases start there) and out
  var hasIn={}, hasOut={};
  state.edges.forEach(function(x,i){if(keep[i]&&x.e.s!==x.e.t){hasOut[x.e.s]=1;hasIn[x.e.t]=1;}});
  order.forEach(function(i){var e=lv.edges[i]; if(e.s===e.t){return;}
   if(!hasIn[e.t]&&lv.nodes[e.t].start===0){keep[i]=true;hasIn[e.t]=1;hasOut[e.s]=1;}
   if(!hasOut[e.s]&&lv.nodes[e.s].end===0){keep[i]=true;hasOut[e.s]=1;hasIn[e.t]=1;}});
  var top=0; state.edges.forEach(function(x,i){if(keep[i]){top=Math.max(top,weightOf(x.e));}});
  var drawn=0;
  state.edges.forEach(function(x,i){
   x.g.style.display=keep[i]?"":"none"; if(keep[i]){drawn++;}
   x.p.setAttribute("stroke-width",(0.6+3.4*(top>0?weightOf(x.e)/top:0)).toFixed(2));
   if(x.lab){x.lab.style.display=keep[i]?"":"none"; x.lab._t.textContent=labelOf(x.e);
    if(keep[i]){var b=x.lab._t.getBBox(); x.lab._bg.setAttribute("x",b.x-2);
     x.lab._bg.setAttribute("y",b.y-1); x.lab._bg.setAttribute("width",b.width+4);
     x.lab._bg.setAttribute("height",b.height+2);}}});
  root.setAttribute("data-edges-drawn",String(drawn));
  root.setAttribute("data-nodes-drawn",String(lv.nodes.length));
  var what=data.by==="activity"?"touchpoints":data.by+" values";
  info.textContent=fmt(lv.nodes.length)+" of "+fmt(data.total_nodes)+" "+what+" ("+
   Math.round(100*lv.kept_events/Math.max(data.total_events,1))+"% of events), "+fmt(drawn)+
   " of "+fmt(data.total_edges)+" moves; "+(state.mode==="time"?"labels: median time":"labels: "+data.weight);
 }
 act.addEventListener("input",function(){state.level=data.levels.length-1-Number(act.value);draw();});
 pth.addEventListener("input",function(){state.paths=Number(pth.value)/100;prune();});
 Array.prototype.forEach.call(modes,function(r){r.addEventListener("change",function(){
  if(r.checked){state.mode=r.value;prune();}});});
 function zoom(f,cx,cy){var v=state.vb; if(cx===undefined){cx=v[0]+v[2]/2;cy=v[1]+v[3]/2;}
  setView([cx-(cx-v[0])*f,cy-(cy-v[1])*f,v[2]*f,v[3]*f]);}
 function toSvg(ev){var r=svg.getBoundingClientRect(), v=state.vb;
  var s=Math.max(v[2]/r.width,v[3]/r.height);
  var ox=v[0]+(v[2]-r.width*s)/2, oy=v[1]+(v[3]-r.height*s)/2;
  return [ox+(ev.clientX-r.left)*s, oy+(ev.clientY-r.top)*s, s];}
 svg.addEventListener("wheel",function(ev){ev.preventDefault(); var p=toSvg(ev);
  zoom(ev.deltaY>0?1.15:1/1.15,p[0],p[1]);},{passive:false});
 var drag=null;
 svg.addEventListener("pointerdown",function(ev){drag=[ev.clientX,ev.clientY,state.vb.slice()];
  svg.style.cursor="grabbing";});
 window.addEventListener("pointermove",function(ev){if(!drag){return;} var s=toSvg(ev)[2];
  setView([drag[2][0]-(ev.clientX-drag[0])*s,drag[2][1]-(ev.clientY-drag[1])*s,drag[2][2],drag[2][3]]);});
 window.addEventListener("pointerup",function(){drag=null;svg.style.cursor="";});
 ui.querySelector(".jm-zoom-in").addEventListener("click",function(){zoom(1/1.3);});
 ui.querySelector(".jm-zoom-out").addEventListener("click",function(){zoom(1.3);});
 ui.querySelector(".jm-fit").addEventListener("click",fit);
 // settings from the address: #jm-activities=2&jm-paths=30&jm-mode=time (also for tests)
 var h={}; location.hash.replace(/^#/,"").split("&").forEach(function(kv){var p=kv.split("=");
  if(p[0].indexOf("jm-")===0){h[p[0]]=decodeURIComponent(p[1]||"");}});
 draw();
 if(h["jm-activities"]!==undefined){act.value=h["jm-activities"];act.dispatchEvent(new Event("input"));}
 if(h["jm-paths"]!==undefined){pth.value=h["jm-paths"];pth.dispatchEvent(new Event("input"));}
 if(h["jm-mode"]==="time"){modes[1].checked=true;modes[1].dispatchEvent(new Event("change"));}
}
function all(){Array.prototype.forEach.call(document.querySelectorAll(".jm-map"),init);}
if(document.readyState==="loading"){document.addEventListener("DOMContentLoaded",all);}else{all();}
})();
"""


def graph_map_html(
    graph: JourneyGraph,
    *,
    model: JourneyModel | None = None,
    stages: Sequence[Any] | None = None,
    weight: str = "cases",
    max_nodes: int = 60,
    static: str | None = None,
) -> str:
    """The map as an HTML fragment (style, data, script, and the static picture as fallback).

    ``static`` is the HTML of the picture shown when scripts are off; by
    default the SVG of :func:`journeymine.plot.plot_graph`.
    """
    if not is_graph(graph):
        raise ParameterError(
            f"The map draws a JourneyGraph; got {type(graph).__name__}. Make one with "
            "jm.discover(log)."
        )
    if weight not in ("cases", "events"):
        raise ParameterError(
            f"The 'weight' parameter of to_html() must be 'cases' or 'events'. Got {weight!r} "
            "instead."
        )
    if not isinstance(max_nodes, (int, np.integer)) or isinstance(max_nodes, bool) or max_nodes < 2:
        raise ParameterError(
            f"The 'max_nodes' parameter of to_html() must be an int of 2 or more. Got "
            f"{max_nodes!r} instead."
        )
    if static is None:
        from journeymine.plot._base import detached_figures
        from journeymine.plot.export import to_svg
        from journeymine.plot.graph import plot_graph

        with detached_figures():
            static = to_svg(plot_graph(graph, model=model, stages=stages, weight=weight))  # type: ignore[arg-type]
    data = map_data(graph, model=model, stages=stages, weight=weight, max_nodes=int(max_nodes))
    blob = _json_for_script(data)
    uid = "jm-map-" + hashlib.sha1(blob.encode()).hexdigest()[:10]
    steps = len(data["levels"])
    # open on about as many moves as the static picture holds; the slider shows the rest
    m = len(data["levels"][0]["edges"])
    start_paths = 100 if m <= 80 else max(5, round(100 * 80 / m))
    view = data["levels"][0]["view"]
    height = max(320.0, min(1400.0, view[3] * 1.05 + 30))
    return (
        f"<style>{_CSS}</style>"
        f"<div class='jm-map' id='{uid}'>"
        f"<div class='jm-static'>{static}"
        "<noscript><p class='note'>Turn scripts on for the interactive map (pan, zoom, "
        "sliders).</p></noscript></div>"
        "<div class='jm-ui' hidden>"
        "<div class='jm-bar'>"
        f"<label>activities <input type='range' class='jm-activities' min='0' max='{steps - 1}' "
        f"step='1' value='{steps - 1}' aria-label='share of touchpoints shown'></label>"
        "<label>paths <input type='range' class='jm-paths' min='0' max='100' step='1' "
        f"value='{start_paths}' aria-label='share of moves shown'></label>"
        "<label><input type='radio' class='jm-mode' name='" + uid + "-mode' value='frequency' "
        "checked> frequency</label>"
        "<label><input type='radio' class='jm-mode' name='" + uid + "-mode' value='time'> "
        "time</label>"
        "<span><button type='button' class='jm-zoom-in' title='zoom in'>+</button> "
        "<button type='button' class='jm-zoom-out' title='zoom out'>&minus;</button> "
        "<button type='button' class='jm-fit' title='show all'>fit</button></span>"
        "<span class='jm-info'></span></div>"
        f"<div class='jm-stage'><svg class='jm-svg' style='height:min(75vh,{height:.0f}px)' "
        "xmlns='http://www.w3.org/2000/svg' role='img' "
        "aria-label='interactive journey map'></svg></div><div class='jm-tip'></div>"
        "<p class='note'>Drag to pan, scroll to zoom, hover for counts and times. The "
        "activities slider keeps the most frequent touchpoints, the paths slider the most "
        "frequent moves (each touchpoint keeps a way in and out).</p></div>"
        f"<script type='application/json' class='jm-map-data'>{blob}</script>"
        "</div>"
        f"<script>{_JS}</script>"
    )


def write_graph_map(
    graph: JourneyGraph,
    path: str | Path,
    *,
    model: JourneyModel | None = None,
    title: str | None = None,
    **kwargs: Any,
) -> Path:
    """Write the map of ``graph`` as a self-contained HTML page; return its path."""
    if not isinstance(path, (str, Path)):
        raise ParameterError(
            f"The 'path' parameter of to_html() must be a file path. Got {type(path).__name__} "
            "instead."
        )
    fragment = graph_map_html(graph, model=model, **kwargs)
    if title is None:
        title = f"Journey map by {graph.by}: {len(graph.nodes):,} nodes, {len(graph.edges):,} moves"
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>body{{margin:0;padding:16px 24px;"
        "font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1f2933}"
        "h1{font-size:20px;margin:0 0 8px}.note{color:#616e7c;font-size:13px}"
        "figure svg,.jm-static svg{max-width:100%;height:auto}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{fragment}</body></html>\n"
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
