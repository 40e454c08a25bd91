// The local destination's "USB drive" field: pick an attached drive's UUID (or none), with the
// saved UUID kept as an option even while its drive is unplugged.
import type { Drive } from "../../src/system/drives.ts";

export interface DriveSelectProps {
  /** Form field name, e.g. "dest.usb_uuid". */
  name: string;
  value: string | null;
  drives: Drive[];
  invalid?: boolean;
}

export function driveLabel(d: Drive): string {
  return `${d.label ?? d.name} · ${d.fstype ?? "?"} · ${d.size}${d.mountpoint ? ` · mounted at ${d.mountpoint}` : ""} (${d.uuid})`;
}

export function DriveSelect(props: DriveSelectProps) {
  const id = props.name.replace(/[^A-Za-z0-9_-]/g, "-");
  const withUuid = props.drives.filter((d) => d.uuid);
  const saved = props.value && !withUuid.some((d) => d.uuid === props.value) ? props.value : null;
  return (
    <div class="field">
      <label for={id}>USB drive (optional)</label>
      <select id={id} name={props.name} aria-invalid={props.invalid ? "true" : undefined}>
        <option value="" selected={!props.value}>
          None: write to the folder as it is
        </option>
        {withUuid.map((d) => (
          <option value={d.uuid!} selected={d.uuid === props.value} safe>
            {driveLabel(d)}
          </option>
        ))}
        {saved ? (
          <option value={saved} selected safe>
            {`${saved} (not connected)`}
          </option>
        ) : (
          ""
        )}
      </select>
      <div class="hint">With a drive chosen, a run writes only when that drive is mounted at the mount point; otherwise it fails and writes nothing.</div>
    </div>
  );
}
