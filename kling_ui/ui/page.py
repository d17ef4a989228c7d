"""The page's look and browser-side helpers: CSS and the small scripts Gradio runs in it.

Kept apart from studio.py (the wiring) so the layout can be read and changed in one place.
"""

CSS = """
.hint { opacity: 0.8; font-size: 0.92em; }
#form-errors:not(:empty) { border-left: 4px solid #d9534f; padding-left: 0.75em; }
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
.gradio-container .or, .gradio-container .show-api, .gradio-container footer * {
  color: #4b5563 !important;
}
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
#actions #form-errors { max-height: 35vh; overflow-y: auto; }
#actions #cost { font-size: 0.9em; }
/* On a wide screen the job card stays in view beside the form as it scrolls. */
@media (min-width: 1024px) {
  #result-col { position: sticky; top: 8px; align-self: flex-start; }
  #result-col #result-video video { max-height: 52vh; }
}
#job-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px; }
/* Examples as small pictures; the frames side by side, smaller, on a phone. */
#examples button img { width: 56px; height: 36px; object-fit: cover; border-radius: 4px; }
@media (max-width: 640px) {
  #title h1 { font-size: 1.3em !important; margin-bottom: 0.2em !important; }
  #title p { font-size: 0.9em !important; }
  #frames { flex-wrap: nowrap !important; }
  #frames > * { min-width: 0 !important; }
  #history-grid .grid-container { grid-template-columns: repeat(2, 1fr) !important; }
  #examples { flex-wrap: nowrap !important; overflow-x: auto; }
  #examples > * { min-width: 112px !important; max-width: 150px; flex: 0 0 auto !important; }
}
"""

# Screen readers hear the job card and problems as they change; row buttons say which row.
ANNOUNCE_JS = """
() => {
  const mark = () => {
    const set = (sel, attrs) => document.querySelectorAll(sel).forEach(
      (el) => Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v)));
    set('#status', {role: 'status', 'aria-live': 'polite'});
    set('#form-errors', {role: 'alert', 'aria-live': 'assertive'});
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
# Runs in the browser as Generate is pressed, before the request leaves: the job card comes
# into view (on a phone it is below the form). The form's values pass through unchanged.
SHOW_CARD_JS = """
(...values) => {
  const card = document.querySelector('#job-card');
  const box = card?.getBoundingClientRect();
  if (box && (box.top < 0 || box.bottom > window.innerHeight)) {
    card.scrollIntoView({block: 'start', behavior: 'instant'});
  }
  return values;
}
"""
