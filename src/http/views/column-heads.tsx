/** The header row of a data table: one `<th scope="col">` per column, its text escaped; a class for figures. */
export function ColumnHeads(props: { columns: readonly (string | { label: string; class: string })[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) =>
          typeof column === "string" ? (
            <th scope="col" safe>
              {column}
            </th>
          ) : (
            <th scope="col" class={column.class} safe>
              {column.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
