// "Now and next" by room on the public programme, computed in the browser from the sessions' times.
//
// Each session is an <article data-room data-starts data-ends> (ISO 8601, UTC); times are shown in the
// congress timezone (data-timezone). ?at=<ISO 8601 time> sets the clock for this display only (tests,
// rehearsals); nothing else on the page depends on it. Refreshed every minute.
'use strict';

(function () {
  const box = document.getElementById('now-next');
  const list = document.getElementById('now-next-rooms');
  if (!box || !list) return;
  const clock = Date.parse(new URLSearchParams(location.search).get('at') || '');
  const offset = Number.isNaN(clock) ? 0 : clock - Date.now();
  const time = new Intl.DateTimeFormat('en-GB', {
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

  function line(label, session) {
    const part = document.createElement('span');
    part.className = label.toLowerCase();
    part.append(label + ': ');
    const link = document.createElement('a');
    link.href = '#' + session.id;
    link.textContent = session.title;
    link.dir = 'auto';
    part.append(link, ' (' + time.format(session.starts) + ')');
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
      for (const [label, session] of [['Now', current], ['Next', next]]) {
        if (session) item.append(document.createElement('br'), line(label, session));
      }
      items.push(item);
    }
    list.replaceChildren(...items);
    box.hidden = items.length === 0;
  }

  render();
  setInterval(render, 60000);
})();
