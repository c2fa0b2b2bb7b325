/**
 * The page at / : lists the models (GET /v2/models), shows a model's inputs and outputs, and
 * runs one sample through the protocol's infer endpoint. An image model (input [C, H, W] or
 * [H, W] with C 1 or 3) takes an uploaded image, decoded and resized in a canvas, grayscale
 * for one channel, scaled to 0..1; any model takes a pasted JSON tensor (flat or nested).
 * Plain HTML and script, no framework; served as strings so the package needs no asset files.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tensorforge serve</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
  pre { background: #f4f4f4; padding: .5rem; overflow: auto; max-height: 20rem; }
  #error { color: #b00020; white-space: pre-wrap; }
  textarea { width: 100%; height: 6rem; font-family: monospace; }
  canvas { border: 1px solid #ccc; image-rendering: pixelated; width: 112px; }
  fieldset { margin: 1rem 0; }
</style>
</head>
<body>
<h1>tensorforge serve</h1>
<p>Open Inference Protocol (KServe v2) at <code>/v2</code>, metrics at <a href="/metrics">/metrics</a>.</p>
<label>Model <select id="models"></select></label>
<pre id="spec"></pre>
<fieldset id="image-box" hidden>
  <legend>Image</legend>
  <input type="file" id="file" accept="image/*">
  <label><input type="checkbox" id="invert"> invert (dark digit on light paper)</label>
  <div><canvas id="canvas"></canvas></div>
</fieldset>
<fieldset>
  <legend>Or a JSON tensor (one sample, flat or nested to the input shape; a batch if its shape says so)</legend>
  <textarea id="json" placeholder="[0.1, 0.2, ...]"></textarea>
</fieldset>
<button id="run">Run</button>
<p id="error"></p>
<ol id="top"></ol>
<pre id="output"></pre>
<script src="/page.js"></script>
</body>
</html>
`;

export const PAGE_JS = `'use strict';
var models = [], pixels = null;
var $ = function (id) { return document.getElementById(id); };

function current() { return models[$('models').selectedIndex]; }
function sample(m) { return m.inputs[0].shape.slice(1); }
// [C, H, W] with C 1 or 3, or [H, W]: an image model.
function imageDims(m) {
  var s = sample(m);
  if (m.inputs.length !== 1) return null;
  if (s.length === 3 && (s[0] === 1 || s[0] === 3)) return { c: s[0], h: s[1], w: s[2] };
  if (s.length === 2) return { c: 1, h: s[0], w: s[1] };
  return null;
}
function showError(msg) { $('error').textContent = msg; }

function select() {
  var m = current();
  pixels = null;
  $('spec').textContent = JSON.stringify({ name: m.name, versions: m.versions, platform: m.platform, inputs: m.inputs, outputs: m.outputs }, null, 1);
  $('image-box').hidden = !imageDims(m);
  $('output').textContent = ''; $('top').innerHTML = ''; showError('');
}

// Decodes the file, draws it resized to the input's H x W, and keeps it as CHW floats in 0..1.
function loadImage(file) {
  var d = imageDims(current());
  return createImageBitmap(file).then(function (bmp) {
    var cv = $('canvas'); cv.width = d.w; cv.height = d.h;
    var ctx = cv.getContext('2d');
    ctx.drawImage(bmp, 0, 0, d.w, d.h);
    var rgba = ctx.getImageData(0, 0, d.w, d.h).data, n = d.w * d.h, inv = $('invert').checked;
    pixels = new Array(d.c * n);
    for (var i = 0; i < n; i++) {
      var r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
      if (d.c === 1) {
        var y = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
        pixels[i] = inv ? 1 - y : y;
      } else {
        var rgb = [r, g, b];
        for (var c = 0; c < 3; c++) pixels[c * n + i] = inv ? 1 - rgb[c] / 255 : rgb[c] / 255;
      }
    }
  });
}

function count(a) { return Array.isArray(a) ? a.reduce(function (s, x) { return s + count(x); }, 0) : 1; }

function run() {
  var m = current(), s = sample(m), data, per = s.reduce(function (a, b) { return a * b; }, 1);
  showError('');
  var text = $('json').value.trim();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { return showError('The JSON tensor does not parse: ' + e.message); }
    if (!Array.isArray(data)) data = [data];
  } else if (pixels) {
    data = pixels;
  } else {
    return showError('Choose an image or paste a JSON tensor.');
  }
  var n = count(data), batch = Math.max(1, Math.round(n / per));
  var body = { id: 'page-' + Date.now(), inputs: [{ name: m.inputs[0].name, shape: [batch].concat(s), datatype: 'FP32', data: data }] };
  return fetch('/v2/models/' + encodeURIComponent(m.name) + '/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, status: r.status, j: j }; }); })
    .then(function (res) {
      if (!res.ok) return showError(res.status + ': ' + res.j.error);
      var out = res.j.outputs[0];
      $('output').textContent = JSON.stringify(res.j, null, 1);
      // A class-score vector per sample: list the first sample's five best.
      if (out.shape.length === 2) {
        var k = out.shape[1], row = out.data.slice(0, k).map(function (v, i) { return [i, v]; });
        row.sort(function (a, b) { return b[1] - a[1]; });
        $('top').innerHTML = '';
        row.slice(0, 5).forEach(function (p) {
          var li = document.createElement('li'); li.textContent = 'class ' + p[0] + ': ' + p[1].toFixed(4); $('top').appendChild(li);
        });
      }
    })
    .catch(function (e) { showError(String(e)); });
}

fetch('/v2/models').then(function (r) { return r.json(); }).then(function (j) {
  models = j.models;
  models.forEach(function (m) {
    var o = document.createElement('option'); o.textContent = m.name + ' (v' + m.default_version + ', ' + m.platform + ')'; $('models').appendChild(o);
  });
  if (models.length) select();
  document.body.dataset.ready = '1';
}).catch(function (e) { showError('Cannot list models: ' + e); });
$('models').addEventListener('change', select);
function imageChosen() {
  var f = $('file').files[0];
  if (f) loadImage(f).then(function () { document.body.dataset.image = '1'; }, function (err) { showError('Cannot decode the image: ' + err); });
}
$('file').addEventListener('change', imageChosen);
$('invert').addEventListener('change', imageChosen);
$('run').addEventListener('click', run);
`;
