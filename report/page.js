// Draws the report's tables and charts from the JSON embedded in the page.
// Plain DOM and ECharts only: the page must work from file:// with no
// network, so there is nothing to fetch and no build step.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var C = { active: '#2e9d5b', inactive: '#e6a23c', no_activity: '#d9534f', not_monitored: '#9aa5b1',
    unassigned: '#dfe4ea', deprovisioned: '#8e2a25', suspended: '#7b5ea7', accent: '#2f6fb3' };
  var LABEL = { active: 'active', inactive: 'inactive', no_activity: 'never active', not_monitored: 'not monitored',
    unassigned: 'unassigned', deprovisioned: 'deprovisioned', suspended: 'suspended' };
  var charts = {}, tables = {};
  // Tests and curious analysts reach the data and the drawn charts here.
  window.saaspipeReport = { data: D, charts: charts, tables: tables };

  var nf = new Intl.NumberFormat('en-US');
  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function none(text) { return '<span class="muted">' + (text || '—') + '</span>'; }
  function n(v) { return v === null || v === undefined ? none() : nf.format(v); }
  function money(v, cur) { return v === null || v === undefined ? none('no price') : esc((cur ? cur + ' ' : '') + nf.format(Math.round(v))); }
  function badge(v) { return v === null || v === undefined ? none() : '<span class="badge ' + esc(v) + '">' + esc(LABEL[v] || v) + '</span>'; }
  function badges(list) { return list && list.length ? list.map(function (x) { return '<span class="badge">' + esc(x) + '</span>'; }).join('') : none(); }
  // clip keeps long tenant ids (GUIDs) from widening tables; the title
  // attribute still shows the whole value.
  function clipText(v) { return v ? '<span class="clip" title="' + esc(v) + '">' + esc(v) + '</span>' : none(); }
  function clip(r) { return clipText(r.tenant); }
  function text(v) { return v === null || v === undefined || v === '' ? none() : esc(v); }

  // objects turns a {columns, rows} table into one object per row.
  function objects(t) {
    return (t && t.rows ? t.rows : []).map(function (r) {
      var o = {};
      for (var i = 0; i < t.columns.length; i++) o[t.columns[i]] = r[i];
      return o;
    });
  }

  var products = objects(D.products), subs = objects(D.subscriptions), reclaim = objects(D.reclaim);
  var apps = objects(D.apps), people = objects(D.people), accounts = objects(D.accounts);
  var connectors = objects(D.connectors), history = objects(D.history);

  // ---- tables: search, sort, filter and pages, so ten thousand rows
  // never become ten thousand DOM rows at once.
  function makeTable(id, o) {
    var el = document.getElementById(id);
    var rows = o.rows, pageSize = o.pageSize || 25;
    var st = { q: '', sort: o.sort || null, dir: o.dir || 1, page: 0, filter: '' };
    rows.forEach(function (r) {
      r._text = o.columns.map(function (c) {
        var v = c.search ? c.search(r) : r[c.key];
        return v === null || v === undefined ? '' : String(v);
      }).join('\u0001').toLowerCase();
    });
    var tools = '<div class="tools"><input type="search" placeholder="Search ' + nf.format(rows.length) + ' ' + esc(o.noun) + '…" aria-label="Search ' + esc(o.noun) + '">';
    if (o.filter) {
      var vals = {};
      rows.forEach(function (r) { if (r[o.filter.key] !== null && r[o.filter.key] !== undefined) vals[r[o.filter.key]] = true; });
      tools += '<select aria-label="' + esc(o.filter.label) + '"><option value="">' + esc(o.filter.label) + ': all</option>' +
        Object.keys(vals).sort().map(function (v) { return '<option value="' + esc(v) + '">' + esc(LABEL[v] || v) + '</option>'; }).join('') + '</select>';
    }
    tools += '<span class="count"></span><span class="pager"><button class="prev">‹ prev</button><button class="next">next ›</button></span></div>';
    el.innerHTML = tools + '<table><thead><tr>' + o.columns.map(function (c) {
      return '<th data-key="' + esc(c.key) + '"' + (c.num ? ' class="num"' : '') + '>' + esc(c.label) + '</th>';
    }).join('') + '</tr></thead><tbody></tbody></table>';
    var input = el.querySelector('input'), select = el.querySelector('select'), tbody = el.querySelector('tbody');
    var shown = rows;
    function sortValue(r, key) {
      var c = o.columns.filter(function (c) { return c.key === key; })[0];
      return c && c.sortValue ? c.sortValue(r) : r[key];
    }
    function cmp(a, b) {
      var x = sortValue(a, st.sort), y = sortValue(b, st.sort);
      // Unknown values sort last whichever the direction.
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      if (Array.isArray(x)) x = x.join(', ');
      if (Array.isArray(y)) y = y.join(', ');
      return (x < y ? -1 : x > y ? 1 : 0) * st.dir;
    }
    function update() {
      var q = st.q.toLowerCase().trim();
      shown = rows.filter(function (r) {
        return (!q || r._text.indexOf(q) >= 0) && (!st.filter || String(r[o.filter.key]) === st.filter);
      });
      if (st.sort) shown.sort(cmp);
      var pages = Math.max(1, Math.ceil(shown.length / pageSize));
      st.page = Math.min(st.page, pages - 1);
      var from = st.page * pageSize, slice = shown.slice(from, from + pageSize);
      tbody.innerHTML = slice.length ? slice.map(function (r, i) {
        return '<tr data-i="' + (from + i) + '"' + (o.onRow ? ' class="clickable"' : '') + '>' + o.columns.map(function (c) {
          return '<td' + (c.num ? ' class="num"' : '') + '>' + (c.fmt ? c.fmt(r) : text(r[c.key])) + '</td>';
        }).join('') + '</tr>';
      }).join('') : '<tr><td colspan="' + o.columns.length + '" class="empty">' + (rows.length ? 'No ' + esc(o.noun) + ' match.' : 'No ' + esc(o.noun) + ' in this snapshot.') + '</td></tr>';
      el.querySelector('.count').textContent = shown.length ? (from + 1) + '–' + (from + slice.length) + ' of ' + nf.format(shown.length) +
        (shown.length !== rows.length ? ' (filtered from ' + nf.format(rows.length) + ')' : '') : '0 of ' + nf.format(rows.length);
      el.querySelector('.prev').disabled = st.page === 0;
      el.querySelector('.next').disabled = st.page >= pages - 1;
      el.querySelectorAll('th').forEach(function (th) {
        th.setAttribute('aria-sort', th.dataset.key === st.sort ? (st.dir > 0 ? 'ascending' : 'descending') : 'none');
      });
    }
    input.addEventListener('input', function () { st.q = input.value; st.page = 0; update(); });
    if (select) select.addEventListener('change', function () { st.filter = select.value; st.page = 0; update(); });
    el.querySelector('.prev').addEventListener('click', function () { st.page--; update(); });
    el.querySelector('.next').addEventListener('click', function () { st.page++; update(); });
    el.querySelector('thead').addEventListener('click', function (e) {
      var th = e.target.closest('th');
      if (!th) return;
      var col = o.columns.filter(function (c) { return c.key === th.dataset.key; })[0];
      // Numbers are most useful largest first; text A to Z.
      if (st.sort === th.dataset.key) st.dir = -st.dir; else { st.sort = th.dataset.key; st.dir = col.num ? -1 : 1; }
      update();
    });
    if (o.onRow) tbody.addEventListener('click', function (e) {
      var tr = e.target.closest('tr[data-i]');
      if (!tr) return;
      tbody.querySelectorAll('tr.selected').forEach(function (x) { x.classList.remove('selected'); });
      tr.classList.add('selected');
      o.onRow(shown[+tr.dataset.i]);
    });
    update();
    tables[id] = { rows: rows, shown: function () { return shown.length; } };
  }

  // ---- charts: drawn without animation so that what a screenshot or a
  // printout catches is the finished chart.
  function chart(id, option) {
    var el = document.getElementById(id);
    var c = echarts.init(el, null, { renderer: 'canvas' });
    c.on('finished', function () { el.dataset.rendered = 'true'; });
    option.animation = false;
    option.textStyle = { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif' };
    c.setOption(option);
    charts[id] = c;
    return c;
  }
  function empty(id, msg) {
    var el = document.getElementById(id);
    el.classList.add('empty');
    el.textContent = msg;
  }
  var grid = { left: 12, right: 36, top: 40, bottom: 28 };
  var legend = { top: 0, itemWidth: 12, itemHeight: 10 };

  function productLabel(r) {
    var p = r.product || '';
    return p.indexOf(r.vendor) === 0 || !r.vendor ? p : r.vendor + ' ' + p;
  }

  // Where the seats go: every purchased seat is used, idle, never used,
  // unmeasurable or unassigned; waste is everything but green.
  (function () {
    var ps = products.slice().reverse();
    if (!ps.length) return empty('chart-seats', 'No subscriptions in this snapshot.');
    var cats = ps.map(function (r) {
      return productLabel(r) + '  ' + (r.utilization_pct === null ? 'n/a' : Math.round(r.utilization_pct) + '%');
    });
    var keys = ['active', 'inactive', 'never_active', 'not_monitored'];
    var series = keys.map(function (k) {
      var s = k === 'never_active' ? 'no_activity' : k;
      return { name: LABEL[s], type: 'bar', stack: 'seats', itemStyle: { color: C[s] }, barMaxWidth: 26,
        data: ps.map(function (r) { return r[k] || 0; }) };
    });
    series.push({ name: 'unassigned', type: 'bar', stack: 'seats', itemStyle: { color: C.unassigned }, barMaxWidth: 26,
      data: ps.map(function (r) { return r.purchased === null || r.assigned === null ? 0 : Math.max(r.purchased - r.assigned, 0); }) });
    var el = document.getElementById('chart-seats');
    el.style.height = Math.max(220, 70 + ps.length * 42) + 'px';
    chart('chart-seats', {
      legend: legend, grid: grid,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (items) {
        var r = ps[items[0].dataIndex];
        return '<b>' + esc(productLabel(r)) + '</b><br>' + items.map(function (it) {
          return it.marker + esc(it.seriesName) + ': ' + nf.format(it.value);
        }).join('<br>') + '<br>purchased: ' + n(r.purchased) + ' · utilisation: ' + (r.utilization_pct === null ? 'n/a' : r.utilization_pct + '%') +
          '<br>reclaimable: ' + nf.format(r.reclaimable_units || 0);
      } },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: cats },
      series: series
    });
  })();

  (function () {
    if (!reclaim.length) return empty('chart-reclaim', 'No reclaimable seats: every held seat is in use or cannot be measured.');
    var labels = [], by = {};
    reclaim.forEach(function (r) {
      var l = productLabel(r);
      if (labels.indexOf(l) < 0) labels.push(l);
      by[l + '|' + r.reclaim_reason] = r.seats;
    });
    var reasons = ['deprovisioned', 'suspended', 'inactive', 'no_activity'];
    chart('chart-reclaim', {
      legend: legend, grid: grid, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: labels.slice().reverse() },
      series: reasons.map(function (k) {
        return { name: LABEL[k], type: 'bar', stack: 'r', itemStyle: { color: C[k] }, barMaxWidth: 24,
          data: labels.slice().reverse().map(function (l) { return by[l + '|' + k] || 0; }) };
      })
    });
  })();

  (function () {
    if (!history.length) return empty('chart-activity', 'No snapshots.');
    var keys = ['active', 'inactive', 'no_activity', 'not_monitored'];
    chart('chart-activity', {
      legend: legend, grid: grid, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: history.map(function (h) { return h.snapshot_date; }) },
      yAxis: { type: 'value', name: 'accounts' },
      series: keys.map(function (k) {
        return { name: LABEL[k], type: 'bar', stack: 'a', itemStyle: { color: C[k] }, barMaxWidth: 60,
          data: history.map(function (h) { return h[k]; }) };
      })
    });
  })();

  (function () {
    if (!history.length) return empty('chart-trend', 'No snapshots.');
    var priced = history.some(function (h) { return h.monthly_spend !== null; });
    var cur = (history.filter(function (h) { return h.currency; })[0] || {}).currency || '';
    document.getElementById('spend-note').textContent = priced ? 'bars: monthly cost (' + cur + '), right axis' : 'no price configured: seats only';
    var x = history.map(function (h) { return h.snapshot_date; });
    function line(name, key, color) {
      return { name: name, type: 'line', symbolSize: 7, itemStyle: { color: color }, data: history.map(function (h) { return h[key]; }) };
    }
    var series = [line('purchased', 'purchased', '#44505d'), line('assigned', 'assigned', C.accent),
      line('active', 'active_seats', C.active), line('reclaimable', 'reclaimable', C.no_activity)];
    var yAxis = [{ type: 'value', name: 'seats' }];
    if (priced) {
      yAxis.push({ type: 'value', name: cur + ' / month', splitLine: { show: false } });
      series.push({ name: 'spend', type: 'bar', yAxisIndex: 1, barMaxWidth: 40, itemStyle: { color: 'rgba(47,111,179,.25)' }, data: history.map(function (h) { return h.monthly_spend; }) });
      series.push({ name: 'reclaimable cost', type: 'bar', yAxisIndex: 1, barMaxWidth: 40, itemStyle: { color: 'rgba(217,83,79,.35)' }, data: history.map(function (h) { return h.reclaimable_monthly_cost; }) });
    }
    chart('chart-trend', { legend: legend, grid: grid, tooltip: { trigger: 'axis' }, xAxis: { type: 'category', data: x }, yAxis: yAxis, series: series });
  })();

  (function () {
    var top = apps.filter(function (a) { return a.users > 0; }).slice(0, 12).reverse();
    if (!top.length) return empty('chart-apps', 'No application assignments in this snapshot.');
    chart('chart-apps', {
      legend: legend, grid: grid, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: top.map(function (a) { return a.name; }), axisLabel: { width: 150, overflow: 'truncate' } },
      series: [
        { name: 'signed in', type: 'bar', stack: 'u', itemStyle: { color: C.accent }, barMaxWidth: 20, data: top.map(function (a) { return Math.min(a.active_users, a.users); }) },
        { name: 'assigned, no sign-in', type: 'bar', stack: 'u', itemStyle: { color: '#b7cbe3' }, barMaxWidth: 20, data: top.map(function (a) { return Math.max(a.users - a.active_users, 0); }) }
      ]
    });
  })();
  window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

  // ---- alerts: what makes the numbers above less than the whole truth.
  var alerts = [];
  connectors.forEach(function (c) {
    if (c.status === 'failed' || c.stale || c.status === 'stale') {
      alerts.push('<b>' + esc(c.connector) + '</b> (' + esc(c.connector_type) + ') ' + (c.stale ? 'is stale: its data is from ' + esc(c.data_as_of || 'an earlier snapshot') : 'failed') +
        (c.error ? ' — ' + esc(c.error) : ''));
    }
  });
  if (D.missing && D.missing.length) alerts.push('The catalog holds no ' + D.missing.map(esc).join(', ') + ': those sections are empty.');
  document.getElementById('alerts').innerHTML = alerts.map(function (a) { return '<div class="alert">' + a + '</div>'; }).join('');

  // ---- tables
  function seatBar(r) {
    var total = Math.max(r.purchased || 0, r.assigned || 0);
    if (!total) return none('no seats');
    var parts = [['active', r.active], ['inactive', r.inactive], ['no_activity', r.never_active], ['not_monitored', r.not_monitored]];
    if (r.active === null) parts = [['not_monitored', r.assigned]];
    return '<div class="sbar" title="' + esc(parts.map(function (p) { return LABEL[p[0]] + ' ' + (p[1] || 0); }).join(', ') + ', purchased ' + (r.purchased === null ? 'unknown' : r.purchased)) + '">' +
      parts.map(function (p) { return p[1] ? '<span class="' + p[0] + '" style="width:' + (100 * p[1] / total).toFixed(2) + '%"></span>' : ''; }).join('') + '</div>';
  }
  makeTable('table-subscriptions', {
    noun: 'subscriptions', rows: subs, sort: 'reclaimable_units', dir: -1,
    filter: { key: 'vendor', label: 'Vendor' },
    columns: [
      { key: 'name', label: 'Subscription', fmt: function (r) { return esc(r.name || '') + (r.sku && r.sku !== r.name ? ' <span class="muted">' + esc(r.sku) + '</span>' : ''); }, search: function (r) { return r.name + ' ' + r.sku; } },
      { key: 'product', label: 'Product', fmt: function (r) { return esc(productLabel(r)); } },
      { key: 'tenant', label: 'Tenant', fmt: clip },
      { key: 'utilization_pct', label: 'Seats', fmt: seatBar },
      { key: 'purchased', label: 'Purchased', num: true, fmt: function (r) { return n(r.purchased); } },
      { key: 'assigned', label: 'Assigned', num: true, fmt: function (r) { return n(r.assigned); } },
      { key: 'active', label: 'Active', num: true, fmt: function (r) { return n(r.active); } },
      { key: 'utilization_pct', label: 'Utilisation', num: true, fmt: function (r) { return r.utilization_pct === null ? none('n/a') : r.utilization_pct.toFixed(1) + '%'; } },
      { key: 'reclaimable_units', label: 'Reclaimable', num: true, fmt: function (r) { return n(r.reclaimable_units); } },
      { key: 'unit_cost', label: 'Seat / month', num: true, fmt: function (r) { return money(r.unit_cost, r.currency); } },
      { key: 'monthly_cost', label: 'Monthly cost', num: true, fmt: function (r) { return money(r.monthly_cost, r.currency); } },
      { key: 'reclaimable_monthly_cost', label: 'Reclaimable cost', num: true, fmt: function (r) { return money(r.reclaimable_monthly_cost, r.currency); } }
    ]
  });

  function showAppUsers(app) {
    var i = apps.indexOf(app);
    var rows = D.app_users.rows.filter(function (r) { return r[0] === i; }).map(function (r) {
      var p = r[1] >= 0 ? people[r[1]] : null;
      return { name: p ? p.display_name : null, email: p ? p.primary_email : r[2], department: p ? p.department : null,
        employment_status: p ? p.employment_status : 'unresolved', last_used_at: r[3] };
    });
    var box = document.getElementById('app-users');
    box.innerHTML = '<h2>Users of ' + esc(app.name) + '</h2><div class="table" id="table-app-users"></div>';
    makeTable('table-app-users', {
      noun: 'users', rows: rows, sort: 'last_used_at', dir: -1, filter: { key: 'employment_status', label: 'Employment' },
      columns: [{ key: 'name', label: 'Name' }, { key: 'email', label: 'E-mail' }, { key: 'department', label: 'Department' },
        { key: 'employment_status', label: 'Employment', fmt: function (r) { return badge(r.employment_status); } },
        { key: 'last_used_at', label: 'Last SSO sign-in', fmt: function (r) { return text(r.last_used_at); } }]
    });
  }
  makeTable('table-applications', {
    noun: 'applications', rows: apps, sort: 'users', dir: -1, onRow: showAppUsers,
    columns: [
      { key: 'name', label: 'Application', fmt: function (r) { return '<b>' + esc(r.name) + '</b>' + (r.vendor ? ' <span class="muted">' + esc(r.vendor) + '</span>' : ''); } },
      { key: 'discovery_types', label: 'Discovered through', fmt: function (r) { return badges(r.discovery_types); } },
      { key: 'discovered_by', label: 'By connectors', fmt: function (r) { return clipText((r.discovered_by || []).join(', ')); } },
      { key: 'sign_on_modes', label: 'Sign-on', fmt: function (r) { return text((r.sign_on_modes || []).join(', ')); } },
      { key: 'users', label: 'Users', num: true, fmt: function (r) { return n(r.users); } },
      { key: 'active_users', label: 'Signed in', num: true, fmt: function (r) { return n(r.active_users); } },
      { key: 'idle', label: 'Not signed in', num: true, sortValue: function (r) { return Math.max(r.users - r.active_users, 0); }, fmt: function (r) { return n(Math.max(r.users - r.active_users, 0)); }, search: function () { return ''; } },
      { key: 'status', label: 'Status' }
    ]
  });

  makeTable('table-people', {
    noun: 'people', rows: people, sort: 'display_name', filter: { key: 'employment_status', label: 'Employment' },
    columns: [
      { key: 'display_name', label: 'Name' }, { key: 'primary_email', label: 'E-mail' }, { key: 'department', label: 'Department' },
      { key: 'job_title', label: 'Title' }, { key: 'user_type', label: 'Type' },
      { key: 'employment_status', label: 'Employment', fmt: function (r) { return badge(r.employment_status); } },
      { key: 'org_source', label: 'Org source' },
      { key: 'account_count', label: 'Accounts', num: true, fmt: function (r) { return n(r.account_count); } },
      { key: 'vendors', label: 'Vendors', fmt: function (r) { return clipText((r.vendors || []).join(', ')); } },
      { key: 'seats', label: 'Seats', num: true, fmt: function (r) { return n(r.seats); } },
      { key: 'reclaimable_seats', label: 'Reclaimable', num: true, fmt: function (r) { return r.reclaimable_seats ? '<b>' + n(r.reclaimable_seats) + '</b>' : n(0); } },
      { key: 'last_activity', label: 'Last activity', fmt: function (r) { return text(r.last_activity); } },
      { key: 'days_since_activity', label: 'Days', num: true, fmt: function (r) { return n(r.days_since_activity); } }
    ]
  });

  makeTable('table-accounts', {
    noun: 'accounts', rows: accounts, sort: 'reclaimable_seats', dir: -1, filter: { key: 'activity_status', label: 'Activity' },
    columns: [
      { key: 'display_name', label: 'Name' }, { key: 'email', label: 'E-mail or login' },
      { key: 'product', label: 'Product', fmt: function (r) { return esc(productLabel(r)); }, search: productLabel },
      { key: 'tenant', label: 'Tenant', fmt: clip },
      { key: 'status', label: 'Status', fmt: function (r) { return badge(r.status); } }, { key: 'user_type', label: 'Type' },
      { key: 'is_admin', label: 'Admin', fmt: function (r) { return r.is_admin === null ? none() : r.is_admin ? '<b>admin</b>' : 'no'; }, search: function (r) { return r.is_admin ? 'admin' : ''; } },
      { key: 'activity_status', label: 'Activity', fmt: function (r) { return badge(r.activity_status); } },
      { key: 'last_activity', label: 'Last activity', fmt: function (r) { return text(r.last_activity); } },
      { key: 'days_since_last_activity', label: 'Days', num: true, fmt: function (r) { return n(r.days_since_last_activity); } },
      { key: 'seats', label: 'Seats', num: true, fmt: function (r) { return n(r.seats); } },
      { key: 'reclaimable_seats', label: 'Reclaimable', num: true, fmt: function (r) { return r.reclaimable_seats ? '<b>' + n(r.reclaimable_seats) + '</b>' : n(0); } }
    ]
  });

  makeTable('table-connectors', {
    noun: 'connectors', rows: connectors,
    columns: [
      { key: 'connector', label: 'Connector', fmt: function (r) { return '<b>' + esc(r.connector) + '</b>'; } },
      { key: 'connector_type', label: 'Type' }, { key: 'tenant', label: 'Tenant', fmt: clip },
      { key: 'status', label: 'Status', fmt: function (r) { return badge(r.status) + (r.stale ? badge('stale') : ''); } },
      { key: 'data_as_of', label: 'Data as of', fmt: function (r) { return text(r.data_as_of); } },
      { key: 'data_age_days', label: 'Age (days)', num: true, fmt: function (r) { return r.data_age_days > 1 ? '<b>' + n(r.data_age_days) + '</b>' : n(r.data_age_days); } },
      { key: 'rows_total', label: 'Rows', num: true, fmt: function (r) { return n(r.rows_total); } },
      { key: 'requests', label: 'Requests', num: true, fmt: function (r) { return n(r.requests); } },
      { key: 'throttled', label: 'Throttled', num: true, fmt: function (r) { return n(r.throttled); } },
      { key: 'retries', label: 'Retries', num: true, fmt: function (r) { return n(r.retries); } },
      { key: 'duration_seconds', label: 'Seconds', num: true, fmt: function (r) { return n(r.duration_seconds); } },
      { key: 'error', label: 'Error', fmt: function (r) { return text(r.error); } }
    ]
  });

  makeTable('table-history', {
    noun: 'snapshots', rows: history.slice().reverse(), pageSize: 52,
    columns: [
      { key: 'snapshot_date', label: 'Snapshot', fmt: function (r) { return '<b>' + esc(r.snapshot_date) + '</b>' + (r.snapshot_id !== r.snapshot_date ? ' <span class="muted">' + esc(r.snapshot_id) + '</span>' : ''); } },
      { key: 'people', label: 'People', num: true, fmt: function (r) { return n(r.people); } },
      { key: 'accounts', label: 'Accounts', num: true, fmt: function (r) { return n(r.accounts); } },
      { key: 'active', label: 'Active', num: true, fmt: function (r) { return n(r.active); } },
      { key: 'inactive', label: 'Inactive', num: true, fmt: function (r) { return n(r.inactive); } },
      { key: 'no_activity', label: 'Never active', num: true, fmt: function (r) { return n(r.no_activity); } },
      { key: 'purchased', label: 'Purchased', num: true, fmt: function (r) { return n(r.purchased); } },
      { key: 'assigned', label: 'Assigned', num: true, fmt: function (r) { return n(r.assigned); } },
      { key: 'utilization_pct', label: 'Utilisation', num: true, fmt: function (r) { return r.utilization_pct === null ? none('n/a') : r.utilization_pct.toFixed(1) + '%'; } },
      { key: 'reclaimable', label: 'Reclaimable', num: true, fmt: function (r) { return n(r.reclaimable); } },
      { key: 'monthly_spend', label: 'Spend / month', num: true, fmt: function (r) { return money(r.monthly_spend, r.currency); } },
      { key: 'connectors_ok', label: 'Connectors', fmt: function (r) { return n(r.connectors_ok) + ' ok' + (r.connectors_failed ? ', ' + badge('failed') + ' ' + r.connectors_failed : '') + (r.connectors_stale ? ', ' + badge('stale') + ' ' + r.connectors_stale : ''); } },
      { key: 'files', label: 'Files', num: true, fmt: function (r) { return n(r.files); } },
      { key: 'rows', label: 'Rows', num: true, fmt: function (r) { return n(r.rows); } },
      { key: 'sealed_at', label: 'Sealed (UTC)' },
      { key: 'previous_manifest_sha256', label: 'Previous manifest', fmt: function (r) { return r.previous_manifest_sha256 ? '<code title="' + esc(r.previous_manifest_sha256) + '">' + esc(r.previous_manifest_sha256.slice(0, 12)) + '…</code>' : none('first'); } }
    ]
  });
})();
