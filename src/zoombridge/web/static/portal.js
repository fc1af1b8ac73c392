// Times arrive in UTC; show them in the reader's own time zone, keeping UTC in the tooltip.
document.querySelectorAll("time[datetime]").forEach((element) => {
  const moment = new Date(element.getAttribute("datetime"));
  if (!Number.isNaN(moment.getTime())) {
    element.title = element.textContent;
    element.textContent = moment.toLocaleString(undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }
});

// The recording page: the transcript follows the player, and a click on a line's time
// jumps there. A link ending in #t=SECONDS (a search hit) starts the player at that moment.
const player = document.getElementById("player");
const cues = Array.from(document.querySelectorAll("#transcript li[data-at]"));
if (player) {
  // The transcript's times are on the first source's timeline (the joined recording, when
  // there is one); on another timeline the panel neither follows nor jumps.
  const note = document.getElementById("timeline-note");
  const panel = document.getElementById("transcript");
  const firstSource = player.getAttribute("src");
  let following = true;
  let current = null;
  const jump = (seconds) => {
    if (!following) return;
    player.currentTime = seconds;
    player.play().catch(() => {}); // autoplay may be refused; the position still moves
  };
  cues.forEach((cue) => {
    cue.querySelector("button.at")?.addEventListener("click", () => jump(Number(cue.dataset.at)));
  });
  document.querySelectorAll("ul.sources a[data-source]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      player.src = link.dataset.source;
      const bothJoined = link.dataset.joined === "yes" && player.dataset.joined === "yes";
      following = bothJoined || link.dataset.source === firstSource;
      if (note) note.hidden = following;
      panel?.classList.toggle("elsewhere", !following);
      current?.classList.remove("now");
      current = null;
    });
  });
  player.addEventListener("timeupdate", () => {
    if (!following) return;
    const now = player.currentTime;
    const found = cues.filter((cue) => Number(cue.dataset.at) <= now + 0.05).pop() || null;
    if (found !== current) {
      current?.classList.remove("now");
      found?.classList.add("now");
      found?.scrollIntoView({ block: "nearest" });
      current = found;
    }
  });
  const wanted = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
  if (wanted) {
    const start = () => { player.currentTime = Number(wanted[1]); };
    if (player.readyState >= 1) start(); else player.addEventListener("loadedmetadata", start, { once: true });
  }
}
