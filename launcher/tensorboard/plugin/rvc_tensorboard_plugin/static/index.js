// The RVC tab: the launcher's advice for every model, re-read every few seconds while the tab
// is open. Plain DOM code: TensorBoard loads this module in an iframe and calls render().
const POLL_MS = 5000;
const PLAIN = {
  improving: 'Still improving: the smoothed loss/g/total keeps falling. Keep training.',
  plateau: 'Levelled off: loss/g/total is flat. Listen to the epochs below; more training may not help.',
  overtraining: 'Overtraining: loss/g/total has risen above its lowest point. Pick one of the epochs below.',
  'no data': 'Not enough logged points yet to judge.',
};

export async function render() {
  addStyle();
  const status = el('p', {className: 'status'}, 'Reading the launcher\'s advice…');
  const list = el('div', {id: 'models'});
  document.body.append(el('h1', {}, 'RVC models'), status, list);
  let shown = '';
  const refresh = async () => {
    try {
      const response = await fetch('advice', {cache: 'no-store'});
      const text = await response.text();
      if (text !== shown) {
        const advice = JSON.parse(text);
        const clips = await audioClips();
        list.replaceChildren(...advice.models.map((model) => modelCard(model, clips)));
        shown = text;
      }
      status.textContent = statusText(JSON.parse(shown || text));
    } catch (error) {
      status.textContent = `Could not read the advice (${error}); it is tried again in a few seconds.`;
    }
  };
  await refresh();
  setInterval(refresh, POLL_MS);
}

function statusText(advice) {
  if (!advice.models.length) {
    return advice.written_at ? 'No models with training logs yet.'
      : 'No advice yet: the launcher writes it while it runs (every few seconds).';
  }
  const when = new Date(advice.written_at).toLocaleTimeString();
  return `Updated ${when}. Advice only: listen to the epochs before you keep one; the lowest loss is not always the best-sounding epoch.`;
}

// run -> step -> tag for Applio's reference clips `gen/audio_<step:07d>`.
async function audioClips() {
  const clips = new Map();
  try {
    const response = await fetch('../audio/tags', {cache: 'no-store'});
    if (!response.ok) return clips;
    for (const [run, tags] of Object.entries(await response.json())) {
      for (const tag of Object.keys(tags)) {
        const match = /^gen\/audio_(\d+)$/.exec(tag);
        if (!match) continue;
        if (!clips.has(run)) clips.set(run, new Map());
        clips.get(run).set(Number(match[1]), tag);
      }
    }
  } catch (ignored) {}
  return clips;
}

// The clip logged at the candidate's own step, else at the step of its saved weight file
// (Applio logs the clip when it saves, so that is the epoch the user would keep).
function clipFor(clips, model, candidate) {
  const steps = [candidate.step, weightStep(candidate.weight_file)];
  for (const [run, tags] of clips) {
    if (run !== model && !run.startsWith(model + '/')) continue;
    for (const step of steps) {
      if (step !== null && tags.has(step)) return {run, step, tag: tags.get(step)};
    }
  }
  return null;
}

function weightStep(path) {
  const name = (path || '').split(/[\\/]/).pop();
  const match = /_\d+e_(\d+)s(?:_best_epoch)?\.pth$/.exec(name) || /_e\d+_s(\d+)\.pth$/.exec(name);
  return match ? Number(match[1]) : null;
}

function epochText(epoch, estimate) {
  if (epoch === null || epoch === undefined) return '?';
  return (estimate ? '~' : '') + epoch;
}

function modelCard(model, clips) {
  const card = el('section', {className: `model ${model.verdict.replace(/\s/g, '-')}`});
  card.dataset.model = model.model;
  card.dataset.lastStep = String(model.last_step);
  const text = el('div', {className: 'text'});
  const verdict = el('p', {className: 'verdict'}, model.headline);
  verdict.dataset.verdict = model.verdict;
  // The answer first (what to listen to), then the verdict and its evidence.
  text.append(el('h2', {}, model.model), el('p', {className: 'answer'}, model.answer || ''),
              verdict, el('p', {className: 'plain'}, PLAIN[model.verdict] || ''));
  if (model.evidence) text.append(el('p', {className: 'evidence'}, model.evidence));
  if (model.verdict === 'overtraining' && model.onset_epoch !== null) {
    text.append(el('p', {className: 'since'},
      `Since epoch ${epochText(model.onset_epoch, model.epoch_is_estimate)} (step ${model.onset_step}).`));
  }
  if (model.candidates.length) {
    text.append(el('h3', {}, 'Epochs to listen to'), candidateTable(model, clips));
  } else {
    text.append(el('p', {className: 'none'}, 'No clear loss/g/mel dips yet.'));
  }
  if (model.warnings.length) {
    text.append(el('ul', {className: 'warnings'},
      model.warnings.map((warning) => el('li', {}, warning))));
  }
  if (model.links) {
    text.append(el('p', {className: 'links'}, [
      el('a', {href: model.links.total, target: '_top', className: 'total-link'},
         `loss/g/total at smoothing ${model.smoothing}`), ' · ',
      el('a', {href: model.links.mel, target: '_top', className: 'mel-link'},
         'loss/g/mel at smoothing 0 (hover over the dips)')]));
  }
  card.append(text);
  if (model.plot) {
    card.append(el('img', {className: 'plot', alt: `${model.model} curves`,
                           src: `plot?name=${encodeURIComponent(model.plot)}&t=${model.last_step}`}));
  }
  return card;
}

function candidateTable(model, clips) {
  const head = el('tr', {}, ['#', 'Epoch', 'Step', 'mel', 'Weight file', 'Clip']
    .map((name) => el('th', {}, name)));
  const rows = model.candidates.map((c) => {
    const row = el('tr', {className: 'candidate'});
    row.dataset.epoch = c.epoch === null ? '' : String(c.epoch);
    row.dataset.step = String(c.step);
    const file = el('td', {className: 'file'});
    if (c.weight_file) {
      const name = c.weight_file.split(/[\\/]/).pop();
      const copy = el('button', {type: 'button', className: 'copy',
                                 title: 'Copy the full path'}, 'Copy path');
      copy.addEventListener('click', () => copyText(c.weight_file, copy));
      file.append(el('div', {className: 'name'},
                     [(c.weight_is_nearest ? 'nearest saved: ' : '') + name + ' ', copy]),
                  el('div', {className: 'path'}, c.weight_file));
    } else {
      file.append('no saved weight file');
    }
    const clipCell = el('td', {className: 'clip'});
    const clip = clipFor(clips, model.model, c);
    if (clip) clipCell.append(audioPlayer(clip));
    row.append(el('td', {}, String(c.rank)), el('td', {}, epochText(c.epoch, c.epoch_is_estimate)),
               el('td', {}, String(c.step)), el('td', {}, c.mel.toFixed(3)), file, clipCell);
    return row;
  });
  return el('table', {}, [el('thead', {}, head), el('tbody', {}, rows)]);
}

function audioPlayer(clip) {
  const audio = el('audio', {controls: true, preload: 'metadata', title: `${clip.tag} (step ${clip.step})`});
  audio.dataset.tag = clip.tag;
  const query = new URLSearchParams({run: clip.run, tag: clip.tag, sample: '0'});
  fetch(`../audio/audio?${query}`).then((r) => r.json()).then((items) => {
    if (!items.length) return;
    // Legacy audio summaries (PyTorch's add_audio) reach the audio plugin without their
    // encoding, so it would serve them as application/octet-stream: they are WAV.
    const blob = new URLSearchParams(items[items.length - 1].query);
    blob.set('content_type', 'audio/wav');
    audio.src = `../audio/individualAudio?${blob}`;
  }).catch(() => {});
  return audio;
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (denied) {
    const area = el('textarea', {}, text);
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = 'Copy path'; }, 1500);
}

function el(tag, props, children) {
  const node = Object.assign(document.createElement(tag), props);
  if (children !== undefined && children !== null) {
    for (const child of Array.isArray(children) ? children : [children]) node.append(child);
  }
  return node;
}

function addStyle() {
  const style = document.createElement('style');
  style.textContent = `
    body { font: 14px Roboto, Arial, sans-serif; color: #212121; margin: 16px 24px; }
    h1 { font-size: 20px; } h2 { font-size: 18px; margin: 0 0 4px; } h3 { font-size: 14px; }
    .model { border: 1px solid #ddd; border-radius: 6px; padding: 12px 16px; margin: 12px 0;
             display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
    .text { flex: 1 1 560px; min-width: 0; }
    .model.overtraining { border-left: 6px solid #c62828; }
    .model.improving { border-left: 6px solid #2e7d32; }
    .model.plateau { border-left: 6px solid #f9a825; }
    .answer { font-weight: bold; margin: 0 0 4px; } .verdict { font-weight: bold; margin: 0; }
    .plain, .since, .evidence { margin: 4px 0; }
    table { border-collapse: collapse; } th, td { text-align: left; padding: 4px 10px; vertical-align: top; }
    thead { border-bottom: 1px solid #999; } .path { color: #666; font-size: 12px; word-break: break-all; }
    .copy { font-size: 11px; margin-left: 6px; }
    .warnings { color: #b71c1c; } .plot { flex: 0 1 540px; width: 540px; max-width: 100%; }
    .status { color: #555; } audio { height: 32px; }
  `;
  document.head.append(style);
}
