// The review page's keys: m merges, n marks "not a duplicate", s skips to the next pair.
// Typing in a field never triggers them.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (typing && event.target.type !== "radio" && event.target.type !== "checkbox") return;
  const target = document.querySelector(`[data-key="${event.key}"]`);
  if (!target) return;
  event.preventDefault();
  target.click();
});
