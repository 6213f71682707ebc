// The guide's first step ("Settings: Reload data") is kept by TensorBoard in this origin's
// localStorage, which no URL key reaches: merge it in, keep every other setting, then show
// the dashboard with the query and hash this page was opened with.
(function () {
  var KEY = '_tb_global_settings';
  var GUIDE = {autoReload: true, autoReloadPeriodInMs: 30000, ignoreOutliers: true};
  try {
    var stored = {};
    try {
      var parsed = JSON.parse(window.localStorage.getItem(KEY) || '{}');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) stored = parsed;
    } catch (ignored) {}
    for (var name in GUIDE) stored[name] = GUIDE[name];
    window.localStorage.setItem(KEY, JSON.stringify(stored));
  } catch (storageBlocked) {}
  var root = window.location.pathname.replace(/data\/plugin\/rvc\/start\/?$/, '');
  window.location.replace(root + window.location.search + window.location.hash);
})();
