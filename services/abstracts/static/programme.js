// "Now and next" by room on the public programme, computed in the browser from the sessions' times.
//
// Each session is an <article data-room data-starts data-ends> (ISO 8601, UTC); times are shown in the
// congress timezone (data-timezone), the page's way (<html lang>). The words are the page's: data-wording holds
// its language's "Now: %(session)s (%(time)s)" and "Next: …" (English without). ?at=<ISO 8601 time> sets the
// clock for this display only (tests, rehearsals); nothing else on the page depends on it. Refreshed every minute.
'use strict';

(function () {
  const box = document.getElementById('now-next');
  const list = document.getElementById('now-next-rooms');
  if (!box || !list) return;
  const clock = Date.parse(new URLSearchParams(location.search).get('at') || '');
  const offset = Number.isNaN(clock) ? 0 : clock - Date.now();
  const WORDING = JSON.parse(box.dataset.wording || '{}');
  const ENGLISH = { now: 'Now: %(session)s (%(time)s)', next: 'Next: %(session)s (%(time)s)' };
  const lang = document.documentElement.lang;
  const time = new Intl.DateTimeFormat(!lang || lang === 'en' ? 'en-GB' : lang, {
    timeZone: box.dataset.timezone, weekday: 'short', hour: '2-digit', minute: '2-digit',
  });
  const sessions = Array.from(document.querySelectorAll('article.session[data-room]')).map((a) => ({
    id: a.id,
    room: a.dataset.room,
    title: a.querySelector('strong').textContent,
    starts: Date.parse(a.dataset.starts),
    ends: Date.parse(a.dataset.ends),
  })).sort((a, b) => a.starts - b.starts);
  const rooms = Array.from(new Set(sessions.map((s) => s.room))).sort();

  // "Now: <a>title</a> (Wed 10:30)" in the page's words: the sentence split at its placeholders, the title a link.
  function line(key, session) {
    const part = document.createElement('span');
    part.className = key;
    for (const piece of (WORDING[key] || ENGLISH[key]).split(/(%\((?:session|time)\)s)/)) {
      if (piece === '%(session)s') {
        const link = document.createElement('a');
        link.href = '#' + session.id;
        link.textContent = session.title;
        link.dir = 'auto';
        part.append(link);
      } else if (piece === '%(time)s') {
        part.append(time.format(session.starts));
      } else if (piece) {
        part.append(piece);
      }
    }
    return part;
  }

  function render() {
    const now = Date.now() + offset;
    const items = [];
    for (const room of rooms) {
      const here = sessions.filter((s) => s.room === room);
      const current = here.find((s) => s.starts <= now && now < s.ends);
      const next = here.find((s) => s.starts > now);
      if (!current && !next) continue;
      const item = document.createElement('li');
      item.dataset.room = room;
      const name = document.createElement('strong');
      name.textContent = room;
      item.append(name);
      for (const [key, session] of [['now', current], ['next', next]]) {
        if (session) item.append(document.createElement('br'), line(key, session));
      }
      items.push(item);
    }
    list.replaceChildren(...items);
    box.hidden = items.length === 0;
  }

  render();
  setInterval(render, 60000);
})();
