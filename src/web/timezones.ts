// The IANA time zones the runtime knows (Intl), for the schedule editor's select: what the
// schedules service accepts (it checks zones with Intl too).
let cached: string[] | null = null;

export function timeZones(): string[] {
  if (cached) return cached;
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const list = intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
  cached = [...new Set(["UTC", ...list])].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
  return cached;
}
