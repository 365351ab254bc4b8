/**
 * Write a file so that readers never see half of it: write a temporary file
 * beside it, then rename over the target.
 */
import { rename, rm, writeFile } from "node:fs/promises"
import { basename, dirname, join } from "node:path"

export const writeFileAtomic = async (file: string, data: string | Uint8Array): Promise<void> => {
  const temporary = join(dirname(file), `.fuselab-tmp-${process.pid}-${basename(file)}`)
  try {
    await writeFile(temporary, data)
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}
