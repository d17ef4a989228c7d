"""The page's look and browser-side helpers: CSS and the small scripts Gradio runs in it.

Kept apart from studio.py (the wiring) so the layout can be read and changed in one place.
"""

CSS = """
.hint { opacity: 0.8; font-size: 0.92em; }
.field-problem:has(li) { border-left: 4px solid #d9534f; padding-left: 0.75em; }
/* Scrolled to after Generate: a gap above it, so a line that changes above keeps it in view. */
#tray { scroll-margin-top: 16px; }
/* Empty notes take no room (the first screen is short): they show when they say something. */
.field-problem:not(:has(li)), #frame-note:not(:has(p)), #key-report:not(:has(p)) {
  display: none !important;
}
.segment-row { align-items: end; }
/* Text dark enough to read (WCAG AA, checked by axe-core in the browser tests): Gradio's
   default indigo-500 labels and grey hints fall short on their backgrounds. */
.gradio-container {
  --block-label-text-color: #3730a3;
  --block-title-text-color: #3730a3;
  --body-text-color-subdued: #4b5563;
  --color-accent: #4f46e5;
  --button-primary-background-fill: #4f46e5;
  --button-primary-background-fill-hover: #4338ca;
  --checkbox-label-background-fill-selected: #4f46e5;
}
.gradio-container [data-testid="block-label"],
.gradio-container [data-testid="upload-text"] { color: #3730a3 !important; }
.gradio-container .or, .gradio-container .show-api, .gradio-container footer *,
.gradio-container .info-text {
  color: #4b5563 !important;
}
/* A field scrolled to (focus, find) stays clear of the pinned action bar. */
html { scroll-padding-bottom: 96px; }
/* A focus ring anyone can see, for keyboard users. */
:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
/* A tall (9:16) result fits the screen. */
#result-video video, #story-film video { max-height: 70vh; }
/* Gradio's container clips with overflow: hidden, which makes it the scroller that sticky
   elements stick to; clip cuts the same way without that. */
.gradio-container { overflow: clip !important; }
/* Generate, the cost and problems stay at the bottom of the screen while the form scrolls. */
#actions { position: sticky; bottom: 0; z-index: 100; padding: 6px 8px;
           background: var(--background-fill-primary); box-shadow: 0 -4px 12px rgba(0,0,0,.08); }
/* One compact line (cost beside Generate) that never grows: problems sit by their fields. */
#actions .styler { display: flex !important; flex-direction: row !important;
                     align-items: center; gap: 8px; flex-wrap: nowrap; }
#actions #cost, #actions #spend-today { flex: 1 1 0; min-width: 0; font-size: 0.85em; }
#actions #spend-today:not(:has(p)) { display: none; }
#actions #cost p, #actions #spend-today p { display: -webkit-box; -webkit-line-clamp: 2;
                                             -webkit-box-orient: vertical; overflow: hidden;
                                             margin: 0; }
#actions #generate { flex: 0 0 auto; min-width: 9em; }
/* Examples scroll sideways on a phone: the row fades at its edge and says so. */
#examples-more { display: none; }
/* On a wide screen the job card stays in view beside the form as it scrolls. */
@media (min-width: 1024px) {
  /* The tray on top, never pushed out of view: the column scrolls inside itself. It is
     shorter than the screen by what follows its row (the page's foot), so at the very end
     of the page the row's end doesn't push its top, the tray, above the screen. */
  #result-col { position: sticky; top: 8px; align-self: flex-start;
                max-height: calc(100vh - 72px); overflow-y: auto; flex-wrap: nowrap !important; }
  /* Gradio's columns wrap: capped in height, this one put the video in a second column
     off the screen's right edge. Unwrapped, its parts keep their size and it scrolls. */
  #result-col > * { flex-shrink: 0; }
  #result-col #result-video video { max-height: 40vh; }
}
/* The job tray: a card per job, newest first, scrolling inside itself. */
.cards .tray-head { font-size: 1em; font-weight: 600; margin: 0 0 4px; }
.cards .tray-empty { margin: 0; color: #4b5563; font-size: 0.9em; }
.cards .tray-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column;
                   gap: 6px; max-height: 34vh; overflow-y: auto; }
.cards .tray-card { display: flex; gap: 8px; margin: 0; padding: 6px; cursor: pointer;
                   border: 1px solid var(--border-color-primary); border-radius: 8px;
                   background: var(--background-fill-primary); }
.cards .tray-card.selected { border: 2px solid #4f46e5; padding: 5px; }
.cards .tray-pick { flex: 0 0 64px; width: 64px; height: 64px; padding: 0; border: 0;
                   border-radius: 6px; overflow: hidden; background: #e5e7eb; cursor: pointer; }
.cards .tray-pick img { width: 100%; height: 100%; object-fit: cover; display: block; }
.cards .tray-body { flex: 1; min-width: 0; font-size: 0.85em; line-height: 1.35; }
.cards .tray-body p { margin: 0; }
.cards .tray-prompt { font-weight: 600; white-space: nowrap; overflow: hidden;
                     text-overflow: ellipsis; }
.cards .tray-meta, .cards .tray-money, .cards .tray-note { color: #374151; }
.cards .tray-error { color: #991b1b; }
.cards .tray-actions { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px;
                      align-items: center; }
.cards .tray-btn, .cards .tray-link { font-size: 0.9em; padding: 2px 8px; border-radius: 6px;
                   border: 1px solid #4b5563; background: #fff; color: #1f2937;
                   cursor: pointer; text-decoration: none; }
.cards .tray-primary { background: #4f46e5; border-color: #4f46e5; color: #fff; }
.cards .tray-stop { border-color: #991b1b; color: #991b1b; }
.cards .tray-note { font-size: 0.9em; }
/* History: every job as a card in a grid (one column on a phone). */
#history-cards .tray-list { display: grid; max-height: none;
                            grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); }
#job-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px; }
/* Examples as small pictures; the frames side by side, smaller, on a phone. */
#examples button img { width: 56px; height: 36px; object-fit: cover; border-radius: 4px; }
@media (max-width: 640px) {
  /* The bar on a phone: the cost over what was spent, a line each, beside Generate (side by
     side, each cut to "Estimated cost:…" and "Spent today:…", neither amount showed).
     Before anything is spent, the bar stays as short as it was. */
  #actions .styler:has(#spend-today p) {
                     display: grid !important; grid-template-columns: minmax(0, 1fr) auto;
                     grid-template-areas: "cost generate" "spend generate"; row-gap: 2px; }
  #actions .styler:has(#spend-today p) #cost { grid-area: cost; font-size: 0.8em; }
  #actions .styler:has(#spend-today p) #spend-today { grid-area: spend; font-size: 0.8em; }
  #actions .styler:has(#spend-today p) #generate { grid-area: generate; min-width: 6.5em; }
  #actions #spend-today p { -webkit-line-clamp: 1; }
  #title h1 { font-size: 1.3em !important; margin-bottom: 0.2em !important; }
  #title p { font-size: 0.9em !important; }
  #frames { flex-wrap: nowrap !important; }
  #frames > * { min-width: 0 !important; }
  #history-grid .grid-container { grid-template-columns: repeat(2, 1fr) !important; }
  #examples { flex-wrap: nowrap !important; overflow-x: auto;
              mask-image: linear-gradient(to right, #000 85%, transparent); }
  #examples-more { display: block; text-align: right; margin-top: -6px !important; }
  #examples > * { min-width: 112px !important; max-width: 128px; flex: 0 0 auto !important; }
  /* A narrow label: the next example shows cut at the edge, a sign there is more. */
  #examples > *:first-child { min-width: 80px !important; max-width: 92px; }
  #examples > *:first-child * { font-size: 13px !important; line-height: 1.3 !important; }
}
"""

# Screen readers hear the job card and problems as they change; row buttons say which row.
ANNOUNCE_JS = """
() => {
  const mark = () => {
    const set = (sel, attrs) => document.querySelectorAll(sel).forEach(
      (el) => Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v)));
    set('#status', {role: 'status', 'aria-live': 'polite'});
    set('.field-problem', {role: 'alert', 'aria-live': 'assertive'});
    set('#generate', {'aria-keyshortcuts': 'Control+Enter Meta+Enter'});
    // Generate moved focus to the job card; when it answers with a problem instead, focus
    // goes on to the first problem, by its field.
    const card = document.querySelector('#tray');
    const problem = [...document.querySelectorAll('.field-problem[id]')]
      .find((el) => el.querySelector('li'));
    if (problem && card && document.activeElement === card) {
      problem.tabIndex = -1;
      problem.focus({preventScroll: true});
      problem.scrollIntoView({block: 'center', behavior: 'instant'});
    }
    // Gradio puts a Group's elem_id on two nested elements: the inner one gives it up,
    // so each id names one element (#actions, #job-card).
    document.querySelectorAll('.gr-group[id] > .gr-group[id]').forEach((el) => {
      if (el.id === el.parentElement.id) { el.removeAttribute('id'); }
    });
    // Gradio names each radio option apart, which makes each its own tab stop: one name
    // per group makes the group one stop, moved through with the arrow keys. A group keeps
    // the name it was first given: renaming by position could, for a moment, give two
    // groups one name, and the browser would then uncheck one of them.
    document.querySelectorAll('.gradio-container fieldset').forEach((set) => {
      if (!set.dataset.group) {
        window.klingGroups = (window.klingGroups || 0) + 1;
        set.dataset.group = `group-${window.klingGroups}`;
      }
      const name = set.dataset.group;
      set.querySelectorAll('input[type=radio]').forEach((r) => {
        if (r.name !== name) { r.name = name; }
      });
    });
    set('#key-report, #continue-note', {'aria-live': 'polite'});
    // Gradio's empty-video placeholder carries a label without a role; its upload boxes
    // are named unlike the words they show (speech users say what they see).
    set('.empty[aria-label]:not([role])', {role: 'img'});
    // Accordions say whether they are open.
    document.querySelectorAll('button.label-wrap').forEach((el) => {
      const open = el.classList.contains('open') ? 'true' : 'false';
      if (el.getAttribute('aria-expanded') !== open) { el.setAttribute('aria-expanded', open); }
    });
    document.querySelectorAll('button.upload-container[aria-label]').forEach((el) => {
      const seen = (el.innerText || '').replace(/\\s+/g, ' ').trim();
      if (seen && el.getAttribute('aria-label') !== seen) { el.setAttribute('aria-label', seen); }
    });
    const zh = (navigator.language || '').toLowerCase().startsWith('zh');
    const rowWords = zh
      ? [['up', '上移第 N 段'], ['down', '下移第 N 段'], ['remove', '删除第 N 段']]
      : [['up', 'Move segment N up'], ['down', 'Move segment N down'],
         ['remove', 'Remove segment N']];
    for (const [part, words] of rowWords) {
      for (let n = 1; n <= 5; n++) {
        const el = document.querySelector(`#segment-${n}-${part}`);
        if (el) { el.setAttribute('aria-label', words.replace('N', n)); }
      }
    }
  };
  // Gradio adds rows and panels to the page as they are shown: mark them as they come.
  let queued = false;
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; mark(); }); }
  }).observe(document.body,
             {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
  mark();
  return [];
}
"""
# Runs in the browser as Generate is pressed, before the request leaves: the tray comes
# into view (on a phone it is below the form), and on the first paid Generate (never
# before) the browser may ask whether to tell when a job is done. The form's values pass
# through unchanged.
SHOW_CARD_JS = """
(...values) => {
  const provider = document.querySelector('#provider input:checked');
  if (provider && provider.value !== 'preview' && 'Notification' in window
      && Notification.permission === 'default' && !localStorage.getItem('kling-ui-asked')) {
    localStorage.setItem('kling-ui-asked', '1');
    Notification.requestPermission().catch(() => {});
  }
  const card = document.querySelector('#tray');
  // On a wide screen the tray tops a column that scrolls inside itself: show its top.
  const column = card?.closest('#result-col');
  if (column && column.scrollTop > 0 && getComputedStyle(column).position === 'sticky') {
    column.scrollTop = 0;
  }
  const box = card?.getBoundingClientRect();
  if (box && (box.top < 0 || box.bottom > window.innerHeight)) {
    card.scrollIntoView({block: 'start', behavior: 'instant'});
  }
  // Focus follows the work: to the job card, not back to the page's body.
  if (card) { card.tabIndex = -1; card.focus({preventScroll: true}); }
  return values;
}
"""

# Keyboard and focus: Ctrl+Enter (Cmd+Enter on a Mac) presses Generate from anywhere in the
# Studio's form; a focused field is scrolled clear of the pinned action bar.
FORM_KEYS_JS = """
() => {
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || e.isComposing) { return; }
    if (!e.target.closest || !e.target.closest('#form-col')) { return; }
    const go = document.querySelector('#generate');
    if (go && !go.disabled) { e.preventDefault(); go.click(); }
  }, true);
  document.addEventListener('focusin', (e) => {
    const bar = document.querySelector('#actions');
    if (!bar || !e.target.closest || !e.target.closest('#form-col')
        || bar.contains(e.target)) { return; }
    const top = bar.getBoundingClientRect().top;
    const box = e.target.getBoundingClientRect();
    if (box.bottom > top) { window.scrollBy(0, box.bottom - top + 12); }
  });
  return [];
}
"""
# After an example fills the form, the form scrolls to what it filled (its segments, else
# its prompt), so the change is seen and not left below the fold.
SHOW_FILLED_JS = """
() => {
  setTimeout(() => {
    const rows = document.querySelector('#segment-1-prompt');
    const target = rows && rows.offsetParent ? '#segments' : '#prompt';
    document.querySelector(target)?.scrollIntoView({block: 'start', behavior: 'instant'});
  }, 50);
  return [];
}
"""
# The tab's title says how many jobs run ("(2) Kling ..."), and "✓" when one ends while the
# tab is in the background (with a notification, if the visitor allowed them); read from
# the tray's heading, which the server redraws.
TITLE_JS = """
() => {
  const base = document.title;
  let running = 0, ended = false;
  const show = () => {
    document.title = (ended ? '✓ ' : '') + (running ? `(${running}) ` : '') + base;
  };
  const read = () => {
    const head = document.querySelector('.cards .tray-head');
    const now = head ? Number(head.dataset.running || 0) : 0;
    if (now < running && document.hidden) {
      ended = true;
      if ('Notification' in window && Notification.permission === 'granted') {
        try { new Notification(base, {body: '✓'}); } catch (e) { /* not allowed here */ }
      }
    }
    running = now;
    show();
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) { ended = false; show(); }
  });
  new MutationObserver(read).observe(document.body, {childList: true, subtree: true});
  read();
  return [];
}
"""
